;; JSON string escaping of UTF-8 bytes with WebAssembly SIMD, for the parquet fast path
;; (json-escape.ts). Compiled to escape.wasm at build time by scripts/build-wasm.mjs at the root.
;;
;; escape(s, e, d): write the JSON string body of the bytes [s, e) at d, exactly as JSON.stringify
;; writes the decoded string: `"` `\` and bytes < 0x20 escaped (\b \t \n \f \r, else \u00xx in
;; lowercase hex), everything else copied. Returns the end of what was written, or -1 if the bytes
;; are not valid UTF-8 (the caller then decodes them as TextDecoder does). It reads and writes up to
;; 16 bytes past the ends, so the caller leaves that much room.
(module
  (memory (export "memory") 1)
  ;; 0x00-0x5f: the short escape letter of a byte, 0 for \u00xx; 0x60: the hex digits.
  (data (i32.const 8) "b")
  (data (i32.const 9) "t")
  (data (i32.const 10) "n")
  (data (i32.const 12) "f")
  (data (i32.const 13) "r")
  (data (i32.const 34) "\"")
  (data (i32.const 92) "\\")
  (data (i32.const 96) "0123456789abcdef")

  ;; length of the valid UTF-8 sequence at s (first byte >= 0x80), 0 if invalid; e is the end
  (func $seq (param $s i32) (param $e i32) (result i32)
    (local $c i32) (local $n i32) (local $b1 i32)
    (local.set $c (i32.load8_u (local.get $s)))
    (local.set $n (i32.sub (local.get $e) (local.get $s)))
    (if (i32.lt_u (local.get $c) (i32.const 0xc2)) (then (return (i32.const 0))))
    (if (i32.lt_u (local.get $n) (i32.const 2)) (then (return (i32.const 0))))
    (local.set $b1 (i32.load8_u offset=1 (local.get $s)))
    (if (i32.lt_u (local.get $c) (i32.const 0xe0))
      (then (return (select (i32.const 2) (i32.const 0) (i32.eq (i32.and (local.get $b1) (i32.const 0xc0)) (i32.const 0x80))))))
    (if (i32.lt_u (local.get $n) (i32.const 3)) (then (return (i32.const 0))))
    (if (i32.lt_u (local.get $c) (i32.const 0xf0))
      (then
        (if (i32.lt_u (local.get $b1) (select (i32.const 0xa0) (i32.const 0x80) (i32.eq (local.get $c) (i32.const 0xe0)))) (then (return (i32.const 0))))
        (if (i32.gt_u (local.get $b1) (select (i32.const 0x9f) (i32.const 0xbf) (i32.eq (local.get $c) (i32.const 0xed)))) (then (return (i32.const 0))))
        (return (select (i32.const 3) (i32.const 0) (i32.eq (i32.and (i32.load8_u offset=2 (local.get $s)) (i32.const 0xc0)) (i32.const 0x80))))))
    (if (i32.ge_u (local.get $c) (i32.const 0xf5)) (then (return (i32.const 0))))
    (if (i32.lt_u (local.get $n) (i32.const 4)) (then (return (i32.const 0))))
    (if (i32.lt_u (local.get $b1) (select (i32.const 0x90) (i32.const 0x80) (i32.eq (local.get $c) (i32.const 0xf0)))) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $b1) (select (i32.const 0x8f) (i32.const 0xbf) (i32.eq (local.get $c) (i32.const 0xf4)))) (then (return (i32.const 0))))
    (select (i32.const 4) (i32.const 0)
      (i32.and
        (i32.eq (i32.and (i32.load8_u offset=2 (local.get $s)) (i32.const 0xc0)) (i32.const 0x80))
        (i32.eq (i32.and (i32.load8_u offset=3 (local.get $s)) (i32.const 0xc0)) (i32.const 0x80)))))

  ;; Each step copies 16 bytes, then moves on by the run of plain ASCII bytes at their start and
  ;; handles the byte that ends it (an escape, or a multi-byte sequence checked and copied).
  (func (export "escape") (param $s i32) (param $e i32) (param $d i32) (result i32)
    (local $v v128) (local $m i32) (local $n i32) (local $k i32) (local $c i32) (local $t i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $s) (local.get $e)))
        (local.set $v (v128.load align=1 (local.get $s)))
        (v128.store align=1 (local.get $d) (local.get $v))
        (local.set $n (i32.sub (local.get $e) (local.get $s)))
        (local.set $m (i8x16.bitmask
          (v128.or
            (v128.or
              (i8x16.lt_u (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
              (i8x16.lt_s (local.get $v) (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))
            (v128.or
              (i8x16.eq (local.get $v) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
              (i8x16.eq (local.get $v) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92))))))
        (if (i32.lt_u (local.get $n) (i32.const 16))
          (then (local.set $m (i32.and (local.get $m) (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1))))))
        (if (i32.eqz (local.get $m))
          (then
            (local.set $k (select (i32.const 16) (local.get $n) (i32.ge_u (local.get $n) (i32.const 16))))
            (local.set $s (i32.add (local.get $s) (local.get $k)))
            (local.set $d (i32.add (local.get $d) (local.get $k)))
            (br $l)))
        (local.set $k (i32.ctz (local.get $m)))
        (local.set $s (i32.add (local.get $s) (local.get $k)))
        (local.set $d (i32.add (local.get $d) (local.get $k)))
        (local.set $c (i32.load8_u (local.get $s)))
        (if (i32.ge_u (local.get $c) (i32.const 0x80))
          (then
            (local.set $t (call $seq (local.get $s) (local.get $e)))
            (if (i32.eqz (local.get $t)) (then (return (i32.const -1))))
            ;; copy the sequence (it may reach past the 16 bytes stored)
            (i32.store (local.get $d) (i32.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $t)))
            (local.set $d (i32.add (local.get $d) (local.get $t)))
            (br $l)))
        (i32.store8 (local.get $d) (i32.const 0x5c))
        (local.set $t (i32.load8_u (local.get $c)))
        (if (local.get $t)
          (then
            (i32.store8 offset=1 (local.get $d) (local.get $t))
            (local.set $d (i32.add (local.get $d) (i32.const 2))))
          (else
            (i32.store8 offset=1 (local.get $d) (i32.const 0x75))
            (i32.store8 offset=2 (local.get $d) (i32.const 0x30))
            (i32.store8 offset=3 (local.get $d) (i32.const 0x30))
            (i32.store8 offset=4 (local.get $d) (i32.load8_u offset=96 (i32.shr_u (local.get $c) (i32.const 4))))
            (i32.store8 offset=5 (local.get $d) (i32.load8_u offset=96 (i32.and (local.get $c) (i32.const 15))))
            (local.set $d (i32.add (local.get $d) (i32.const 6)))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $l)))
    (local.get $d))
)
