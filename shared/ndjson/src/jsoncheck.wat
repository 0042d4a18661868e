;; jsoncheck: is a line one JSON object, as JSON.parse would accept it? Without building anything.
;; Built by scripts/build-wasm.mjs into dist/src/jsoncheck.wasm (loaded by jsoncheck.ts).
;;
;; Memory: bytes 0..1023 hold the stack of open containers (1 object, 2 array; at most 1000 deep,
;; ldt's MAX_DEPTH); the caller copies its chunk of lines from byte 1024 on.
;;
;; check(p, len) returns flags: bit 0 (1) the bytes are one JSON object, with white space around it
;; at most, nested at most 1000 deep; then bit 1 (2) a string holds a byte >= 0x7f (DEL or
;; non-ASCII: outside printable ASCII); bit 2 (4) a
;; string holds a \u, \r, \b or \f escape; bit 3 (8) a string holds '&'. 0 means "not shown valid":
;; the caller parses the line itself (JSON.parse names the error). The check is sound, never loose:
;; it returns 1 only for what JSON.parse accepts (RFC 8259: strings without raw control characters,
;; escapes \" \\ \/ \b \f \n \r \t \uXXXX, numbers -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
;; true, false, null; white space is space, tab, LF, CR). Bytes >= 0x80 are taken as they are
;; inside strings (the reader has checked the UTF-8) and refused outside them.
;; Strings are scanned 16 bytes at a time (SIMD) up to the next quote, backslash, control byte,
;; byte >= 0x7f (until one has been seen) or '&'.
(module
  (memory (export "memory") 2)

  ;; Skip white space from $i; returns the first other index (or $end).
  (func $ws (param $i i32) (param $end i32) (result i32)
    (local $c i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $done
          (i32.and
            (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.ne (local.get $c) (i32.const 9)))
            (i32.and (i32.ne (local.get $c) (i32.const 10)) (i32.ne (local.get $c) (i32.const 13)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))

  (func $isHex (param $c i32) (result i32)
    (i32.or
      (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
      (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 97)) (i32.const 6))))

  (func $isDigit (param $c i32) (result i32)
    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))

  ;; Flags seen in strings (bits 1..3 of the result), set by $str.
  (global $flags (mut i32) (i32.const 0))

  ;; A string's body from $i (just after the opening quote); returns the index after the closing
  ;; quote, or -1 if the string is not valid or not closed.
  (func $str (param $i i32) (param $end i32) (result i32)
    (local $v v128) (local $m i32) (local $c i32) (local $e i32) (local $high v128)
    ;; All ones while no byte >= 0x7f has been seen (such bytes stop the fast scan to set the flag).
    (local.set $high
      (if (result v128) (i32.and (global.get $flags) (i32.const 2))
        (then (v128.const i64x2 0 0))
        (else (v128.const i64x2 -1 -1))))
    (block $fail
      (loop $next
        (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
          (then
            (local.set $v (v128.load (local.get $i)))
            (local.set $m
              (i8x16.bitmask
                (v128.or
                  (v128.or
                    (v128.or
                      (i8x16.eq (local.get $v) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
                      (i8x16.eq (local.get $v) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92)))
                    (v128.or
                      (i8x16.lt_u (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                      (i8x16.eq (local.get $v) (v128.const i8x16 38 38 38 38 38 38 38 38 38 38 38 38 38 38 38 38))))
                  (v128.and (local.get $high)
                    (v128.or
                      (i8x16.lt_s (local.get $v) (v128.const i64x2 0 0))
                      (i8x16.eq (local.get $v) (v128.const i8x16 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127 127)))))))
            (if (i32.eqz (local.get $m))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $next)))
            (local.set $i (i32.add (local.get $i) (i32.ctz (local.get $m))))))
        (br_if $fail (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.eq (local.get $c) (i32.const 34))
          (then (return (i32.add (local.get $i) (i32.const 1)))))
        (if (i32.eq (local.get $c) (i32.const 92))
          (then
            (br_if $fail (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $end)))
            (local.set $e (i32.load8_u offset=1 (local.get $i)))
            (if (i32.eq (local.get $e) (i32.const 117)) ;; u
              (then
                (br_if $fail (i32.gt_u (i32.add (local.get $i) (i32.const 6)) (local.get $end)))
                (br_if $fail (i32.eqz (call $isHex (i32.load8_u offset=2 (local.get $i)))))
                (br_if $fail (i32.eqz (call $isHex (i32.load8_u offset=3 (local.get $i)))))
                (br_if $fail (i32.eqz (call $isHex (i32.load8_u offset=4 (local.get $i)))))
                (br_if $fail (i32.eqz (call $isHex (i32.load8_u offset=5 (local.get $i)))))
                (global.set $flags (i32.or (global.get $flags) (i32.const 4)))
                (local.set $i (i32.add (local.get $i) (i32.const 6)))
                (br $next)))
            ;; \r \b \f (flagged), \" \\ \/ \n \t
            (if (i32.or (i32.eq (local.get $e) (i32.const 114)) (i32.or (i32.eq (local.get $e) (i32.const 98)) (i32.eq (local.get $e) (i32.const 102))))
              (then
                (global.set $flags (i32.or (global.get $flags) (i32.const 4)))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $next)))
            (br_if $fail
              (i32.eqz
                (i32.or
                  (i32.or (i32.eq (local.get $e) (i32.const 34)) (i32.eq (local.get $e) (i32.const 92)))
                  (i32.or (i32.eq (local.get $e) (i32.const 47)) (i32.or (i32.eq (local.get $e) (i32.const 110)) (i32.eq (local.get $e) (i32.const 116)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $next)))
        (br_if $fail (i32.lt_u (local.get $c) (i32.const 32)))
        (if (i32.ge_u (local.get $c) (i32.const 127))
          (then
            (global.set $flags (i32.or (global.get $flags) (i32.const 2)))
            (local.set $high (v128.const i64x2 0 0))))
        (if (i32.eq (local.get $c) (i32.const 38))
          (then (global.set $flags (i32.or (global.get $flags) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; A number from $i (at '-' or a digit); returns the index after it, or -1.
  (func $num (param $i i32) (param $end i32) (result i32)
    (local $c i32)
    (block $fail
      (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 45))
        (then
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fail (i32.ge_u (local.get $i) (local.get $end)))))
      (local.set $c (i32.load8_u (local.get $i)))
      (if (i32.eq (local.get $c) (i32.const 48))
        (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
        (else
          (br_if $fail (i32.eqz (call $isDigit (local.get $c))))
          (loop $d
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $d (i32.and (i32.lt_u (local.get $i) (local.get $end)) (call $isDigit (i32.load8_u (local.get $i))))))))
      (if (i32.and (i32.lt_u (local.get $i) (local.get $end)) (i32.eq (i32.load8_u (local.get $i)) (i32.const 46)))
        (then
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fail (i32.ge_u (local.get $i) (local.get $end)))
          (br_if $fail (i32.eqz (call $isDigit (i32.load8_u (local.get $i)))))
          (loop $f
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $f (i32.and (i32.lt_u (local.get $i) (local.get $end)) (call $isDigit (i32.load8_u (local.get $i))))))))
      (if (i32.and (i32.lt_u (local.get $i) (local.get $end)) (i32.eq (i32.or (i32.load8_u (local.get $i)) (i32.const 32)) (i32.const 101)))
        (then
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fail (i32.ge_u (local.get $i) (local.get $end)))
          (local.set $c (i32.load8_u (local.get $i)))
          (if (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 45)))
            (then
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $fail (i32.ge_u (local.get $i) (local.get $end)))))
          (br_if $fail (i32.eqz (call $isDigit (i32.load8_u (local.get $i)))))
          (loop $x
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $x (i32.and (i32.lt_u (local.get $i) (local.get $end)) (call $isDigit (i32.load8_u (local.get $i))))))))
      (return (local.get $i)))
    (i32.const -1))

  ;; States of check's loop: what may come next.
  ;;   0 a value; 1 a key or '}' (just after '{'); 2 a value or ']' (just after '['); 3 a key (after ',' in an object); 4 ',' or a closing bracket, or the end at depth 0.
  (func (export "check") (param $p i32) (param $len i32) (result i32)
    (local $i i32) (local $end i32) (local $d i32) (local $state i32) (local $c i32) (local $top i32)
    (global.set $flags (i32.const 0))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $i (call $ws (local.get $p) (local.get $end)))
    (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (local.get $i)) (i32.const 123)) (then (return (i32.const 0))))
    (block $fail
      (loop $main
        (local.set $i (call $ws (local.get $i) (local.get $end)))
        (if (i32.ge_u (local.get $i) (local.get $end))
          (then
            (br_if $fail (i32.or (i32.ne (local.get $state) (i32.const 4)) (i32.ne (local.get $d) (i32.const 0))))
            (return (i32.or (global.get $flags) (i32.const 1)))))
        (local.set $c (i32.load8_u (local.get $i)))
        (block $after
          (block $key
            (block $arrFirst
              (block $objFirst
                (block $value
                  (br_table $value $objFirst $arrFirst $key $after (local.get $state)))
                ;; 0: a value
                (if (i32.eq (local.get $c) (i32.const 34))
                  (then
                    (local.set $i (call $str (i32.add (local.get $i) (i32.const 1)) (local.get $end)))
                    (br_if $fail (i32.lt_s (local.get $i) (i32.const 0)))
                    (local.set $state (i32.const 4))
                    (br $main)))
                (if (i32.or (i32.eq (local.get $c) (i32.const 123)) (i32.eq (local.get $c) (i32.const 91)))
                  (then
                    (br_if $fail (i32.ge_u (local.get $d) (i32.const 1000)))
                    (i32.store8 (local.get $d) (select (i32.const 1) (i32.const 2) (i32.eq (local.get $c) (i32.const 123))))
                    (local.set $d (i32.add (local.get $d) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $state (select (i32.const 1) (i32.const 2) (i32.eq (local.get $c) (i32.const 123))))
                    (br $main)))
                (if (i32.eq (local.get $c) (i32.const 116)) ;; true
                  (then
                    (br_if $fail (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end)))
                    (br_if $fail (i32.ne (i32.load (local.get $i)) (i32.const 0x65757274)))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (local.set $state (i32.const 4))
                    (br $main)))
                (if (i32.eq (local.get $c) (i32.const 102)) ;; false
                  (then
                    (br_if $fail (i32.gt_u (i32.add (local.get $i) (i32.const 5)) (local.get $end)))
                    (br_if $fail (i32.ne (i32.load offset=1 (local.get $i)) (i32.const 0x65736c61)))
                    (local.set $i (i32.add (local.get $i) (i32.const 5)))
                    (local.set $state (i32.const 4))
                    (br $main)))
                (if (i32.eq (local.get $c) (i32.const 110)) ;; null
                  (then
                    (br_if $fail (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end)))
                    (br_if $fail (i32.ne (i32.load (local.get $i)) (i32.const 0x6c6c756e)))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (local.set $state (i32.const 4))
                    (br $main)))
                (br_if $fail (i32.eqz (i32.or (i32.eq (local.get $c) (i32.const 45)) (call $isDigit (local.get $c)))))
                (local.set $i (call $num (local.get $i) (local.get $end)))
                (br_if $fail (i32.lt_s (local.get $i) (i32.const 0)))
                (local.set $state (i32.const 4))
                (br $main))
              ;; 1: a key or '}'
              (if (i32.eq (local.get $c) (i32.const 125))
                (then
                  (local.set $d (i32.sub (local.get $d) (i32.const 1)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (local.set $state (i32.const 4))
                  (br $main)))
              (br $key))
            ;; 2: a value or ']'
            (if (i32.eq (local.get $c) (i32.const 93))
              (then
                (local.set $d (i32.sub (local.get $d) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $state (i32.const 4))
                (br $main)))
            (local.set $state (i32.const 0))
            (br $main))
          ;; 3: a key, then ':'
          (br_if $fail (i32.ne (local.get $c) (i32.const 34)))
          (local.set $i (call $str (i32.add (local.get $i) (i32.const 1)) (local.get $end)))
          (br_if $fail (i32.lt_s (local.get $i) (i32.const 0)))
          (local.set $i (call $ws (local.get $i) (local.get $end)))
          (br_if $fail (i32.ge_u (local.get $i) (local.get $end)))
          (br_if $fail (i32.ne (i32.load8_u (local.get $i)) (i32.const 58)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $state (i32.const 0))
          (br $main))
        ;; 4: ',' or a closing bracket (nothing may follow the top-level object but white space)
        (br_if $fail (i32.eqz (local.get $d)))
        (local.set $top (i32.load8_u (i32.sub (local.get $d) (i32.const 1))))
        (if (i32.eq (local.get $c) (i32.const 44))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $state (select (i32.const 3) (i32.const 0) (i32.eq (local.get $top) (i32.const 1))))
            (br $main)))
        (br_if $fail
          (i32.eqz
            (i32.or
              (i32.and (i32.eq (local.get $c) (i32.const 125)) (i32.eq (local.get $top) (i32.const 1)))
              (i32.and (i32.eq (local.get $c) (i32.const 93)) (i32.eq (local.get $top) (i32.const 2))))))
        (local.set $d (i32.sub (local.get $d) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $main)))
    (i32.const 0))
)
