import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteSpansInOrder, spansInOrder, topLevelMembers, topLevelSpans } from '@ldt/ndjson';

test('topLevelSpans finds each value once and refuses duplicate keys', () => {
  const t = '{ "a" : [1, {"b":"}"}] , "c":"x\\"y", "d": 12e3 }';
  const sp = topLevelSpans(t);
  assert.ok(sp);
  assert.deepEqual(
    [...sp].map(([k, [i, j]]) => [k, t.slice(i, j)]),
    [
      ['a', '[1, {"b":"}"}]'],
      ['c', '"x\\"y"'],
      ['d', '12e3'],
    ],
  );
  assert.equal(topLevelSpans('{"a":1,"a":2}'), undefined);
});

test('topLevelMembers keeps duplicate keys; a trailing comma is tolerated by topLevelSpans only', () => {
  const t = '{"a":1, "m":{"x":2},"a" : "s"}';
  assert.deepEqual(
    topLevelMembers(t)?.map((m) => [m.key, t.slice(m.start, m.end)]),
    [
      ['a', '"a":1'],
      ['m', '"m":{"x":2}'],
      ['a', '"a" : "s"'],
    ],
  );
  assert.deepEqual(topLevelMembers(' { } '), []);
  assert.deepEqual([...(topLevelSpans(' { } ') ?? ['not an object'])], []);
  // The members are joined into a new object, so a trailing comma is not an object there.
  assert.equal(topLevelMembers('{"a":1,}'), undefined);
  assert.deepEqual([...(topLevelSpans('{"a":1,}') ?? [])], [['a', [5, 6]]]);
  for (const bad of ['[1]', '{"a":1', '{"a" 1}', '{"a":1 "b":2}', '{,}', '{"a":1,']) {
    assert.equal(topLevelMembers(bad), undefined, bad);
    assert.equal(topLevelSpans(bad), undefined, bad);
  }
});

test('spansInOrder and byteSpansInOrder give the value spans of keys in order, or undefined', () => {
  const t = '{"a": [1, {"x": "}"}], "b":"é\\"" }';
  const sp = spansInOrder(t, ['a', 'b']);
  assert.ok(sp);
  assert.equal(t.slice(sp[0], sp[1]), '[1, {"x": "}"}]');
  assert.equal(t.slice(sp[2], sp[3]), '"é\\""');
  assert.equal(spansInOrder(t, ['b', 'a']), undefined);
  const b = Buffer.from(t);
  const bs = byteSpansInOrder(b, ['a', 'b']);
  assert.ok(bs);
  assert.equal(b.subarray(bs[2], bs[3]).toString(), '"é\\""');
});
