import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteSpansInOrder, spansInOrder, topLevelSpans } from '@ldt/ndjson';

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
