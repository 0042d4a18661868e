;; dedup-near's hot loops as WebAssembly (compiled by scripts/build-wasm.mjs with wabt into
;; dist/src/kernels.wasm; loaded by src/kernels.ts). Both functions compute exactly what the plain-JS
;; reference code computes (xxh32.ts, shingle.ts `shingleNormalized`, minhash.ts `MinHasher.sign`);
;; the tests compare them on real and random text.
;;
;; Why: on ~6.4 KB chat documents (bench/dedup-near.mjs) the JS shingle hashing took ~60-170 µs and
;; the 128-permutation MinHash ~196 µs per document; the MinHash below does four permutations per
;; SIMD instruction (i32x4) with all 16 minima of a group held in registers.
(module
  ;; For code points >= U+20000 (none of which is punctuation or white space in Unicode 15, but the
  ;; running Node decides): 1 when /[\p{P}\s]/u matches.
  (import "env" "sepAbove" (func $sepAbove (param i32) (result i32)))
  (memory (export "memory") 4)

  ;; The `aggressive` normalisation's folding step, in place, on UTF-8 text mem[$p, $p + $len):
  ;; punctuation and white space runs become one space, none at either end; ASCII is lower-cased.
  ;; $tab: 128 bytes (ASCII: 0xff = separator, else the lower-cased byte), a bitmap of the code
  ;; points below U+20000 that are separators (16 KiB), and a bitmap of the BMP separators that are
  ;; "safe" (8 KiB: NFKC and lower-casing turn them into separators only, whatever their
  ;; neighbours). With $general = 0 the text must be ASCII but for safe separators (curly quotes,
  ;; dashes, NBSP…): then NFKC and lower-casing would change nothing but ASCII case. It returns -1 at
  ;; the first other character; the caller then NFKC-normalises and lower-cases the string and calls
  ;; again with $general = 1. Returns the new length; with $general = 1 also writes to $res
  ;; (u32 each): UTF-16 length of the result, its CJK/Thai characters and its other letters (as
  ;; isNoSpaceScript in shingle.ts counts them), and 1 when a U+FFFD was seen (a lone surrogate in
  ;; the caller's string is encoded so).
  (func (export "normalize") (param $p i32) (param $len i32) (param $general i32) (param $tab i32) (param $res i32) (result i32)
    (local $i i32) (local $o i32) (local $end i32) (local $c i32) (local $b i32) (local $pending i32)
    (local $utf16 i32) (local $ns i32) (local $other i32) (local $cp i32) (local $n i32) (local $fffd i32) (local $k i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $i (local.get $p))
    (local.set $o (local.get $p))
    (if (i32.eqz (local.get $general))
      (then
        (block $done
          (loop $ascii
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $i)))
            (local.set $n (i32.const 1))
            (if (i32.ge_u (local.get $c) (i32.const 0x80))
              (then
                ;; Only a "safe" separator may stand outside ASCII here: one whose NFKC form and
                ;; lower case are separators too, whatever stands around it (bitmap at $tab + 16512).
                (if (i32.lt_u (local.get $c) (i32.const 0xe0))
                  (then
                    (local.set $n (i32.const 2))
                    (local.set $cp (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x1f)) (i32.const 6))
                                           (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)))))
                  (else
                    (if (i32.lt_u (local.get $c) (i32.const 0xf0))
                      (then
                        (local.set $n (i32.const 3))
                        (local.set $cp (i32.or (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x0f)) (i32.const 12))
                                                       (i32.shl (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)) (i32.const 6)))
                                               (i32.and (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3f)))))
                      (else (return (i32.const -1))))))
                (if (i32.eqz (i32.and
                      (i32.shr_u (i32.load8_u offset=16512 (i32.add (local.get $tab) (i32.shr_u (local.get $cp) (i32.const 3))))
                                 (i32.and (local.get $cp) (i32.const 7)))
                      (i32.const 1)))
                  (then (return (i32.const -1))))
                (local.set $b (i32.const 0xff)))
              (else (local.set $b (i32.load8_u (i32.add (local.get $tab) (local.get $c))))))
            ;; Without branches on the byte (a separator every ~6 bytes of English made them
            ;; mispredict; issue 17): the pending space and the byte are stored at $o, which only
            ;; moves past what is kept. $o <= $i, and $o < $i while a space is pending, so no
            ;; unread byte is overwritten. $k: 1 for a kept byte, 0 for a separator.
            (local.set $k (i32.ne (local.get $b) (i32.const 0xff)))
            (i32.store8 (local.get $o) (i32.const 32))
            (local.set $o (i32.add (local.get $o) (i32.and (local.get $pending) (local.get $k))))
            (i32.store8 (local.get $o) (local.get $b))
            (local.set $o (i32.add (local.get $o) (local.get $k)))
            (local.set $pending (i32.and (i32.eqz (local.get $k)) (i32.ne (local.get $o) (local.get $p))))
            (local.set $i (i32.add (local.get $i) (local.get $n)))
            (br $ascii)))
        (return (i32.sub (local.get $o) (local.get $p)))))
    (block $done
      (loop $chars
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.lt_u (local.get $c) (i32.const 0x80))
          (then
            (local.set $b (i32.load8_u (i32.add (local.get $tab) (local.get $c))))
            ;; branch-free, as in the ASCII loop above ($n: the pending space written or not)
            (local.set $k (i32.ne (local.get $b) (i32.const 0xff)))
            (i32.store8 (local.get $o) (i32.const 32))
            (local.set $n (i32.and (local.get $pending) (local.get $k)))
            (local.set $o (i32.add (local.get $o) (local.get $n)))
            (i32.store8 (local.get $o) (local.get $b))
            (local.set $o (i32.add (local.get $o) (local.get $k)))
            (local.set $utf16 (i32.add (local.get $utf16) (i32.add (local.get $n) (local.get $k))))
            (local.set $other (i32.add (local.get $other) (i32.lt_u (i32.sub (local.get $b) (i32.const 0x61)) (i32.const 26))))
            (local.set $pending (i32.and (i32.eqz (local.get $k)) (i32.ne (local.get $o) (local.get $p))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $chars)))
        ;; a multi-byte sequence (valid UTF-8: the caller encoded a JS string)
        (if (i32.lt_u (local.get $c) (i32.const 0xe0))
          (then
            (local.set $n (i32.const 2))
            (local.set $cp (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x1f)) (i32.const 6))
                                   (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)))))
          (else
            (if (i32.lt_u (local.get $c) (i32.const 0xf0))
              (then
                (local.set $n (i32.const 3))
                (local.set $cp (i32.or (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x0f)) (i32.const 12))
                                               (i32.shl (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)) (i32.const 6)))
                                       (i32.and (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3f)))))
              (else
                (local.set $n (i32.const 4))
                (local.set $cp (i32.or (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x07)) (i32.const 18))
                                               (i32.shl (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)) (i32.const 12)))
                                       (i32.or (i32.shl (i32.and (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3f)) (i32.const 6))
                                               (i32.and (i32.load8_u offset=3 (local.get $i)) (i32.const 0x3f)))))))))
        (if (i32.eq (local.get $cp) (i32.const 0xfffd)) (then (local.set $fffd (i32.const 1))))
        (if
          (if (result i32) (i32.lt_u (local.get $cp) (i32.const 0x20000))
            (then
              (i32.and
                (i32.shr_u (i32.load8_u offset=128 (i32.add (local.get $tab) (i32.shr_u (local.get $cp) (i32.const 3))))
                           (i32.and (local.get $cp) (i32.const 7)))
                (i32.const 1)))
            (else (call $sepAbove (local.get $cp))))
          (then (if (i32.ne (local.get $o) (local.get $p)) (then (local.set $pending (i32.const 1)))))
          (else
            (if (local.get $pending)
              (then
                (i32.store8 (local.get $o) (i32.const 32))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $utf16 (i32.add (local.get $utf16) (i32.const 1)))
                (local.set $pending (i32.const 0))))
            ;; copy the sequence (forward: $o <= $i)
            (local.set $k (i32.const 0))
            (loop $copy
              (i32.store8 (i32.add (local.get $o) (local.get $k)) (i32.load8_u (i32.add (local.get $i) (local.get $k))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $copy (i32.lt_u (local.get $k) (local.get $n))))
            (local.set $o (i32.add (local.get $o) (local.get $n)))
            (if (i32.ge_u (local.get $cp) (i32.const 0x10000))
              (then
                (local.set $utf16 (i32.add (local.get $utf16) (i32.const 2)))
                (if (i32.and (i32.ge_u (local.get $cp) (i32.const 0x20000)) (i32.le_u (local.get $cp) (i32.const 0x3ffff)))
                  (then (local.set $ns (i32.add (local.get $ns) (i32.const 1))))
                  (else (local.set $other (i32.add (local.get $other) (i32.const 1))))))
              (else
                (local.set $utf16 (i32.add (local.get $utf16) (i32.const 1)))
                (if (i32.and (i32.ge_u (local.get $cp) (i32.const 0x0e00))
                      (i32.or (i32.or (i32.le_u (local.get $cp) (i32.const 0x109f))
                                      (i32.and (i32.ge_u (local.get $cp) (i32.const 0x1780)) (i32.le_u (local.get $cp) (i32.const 0x17ff))))
                              (i32.or (i32.or (i32.and (i32.ge_u (local.get $cp) (i32.const 0x3040)) (i32.le_u (local.get $cp) (i32.const 0x30ff)))
                                              (i32.and (i32.ge_u (local.get $cp) (i32.const 0x3400)) (i32.le_u (local.get $cp) (i32.const 0x9fff))))
                                      (i32.and (i32.ge_u (local.get $cp) (i32.const 0xf900)) (i32.le_u (local.get $cp) (i32.const 0xfaff))))))
                  (then (local.set $ns (i32.add (local.get $ns) (i32.const 1))))
                  (else (local.set $other (i32.add (local.get $other) (i32.const 1)))))))))
        (local.set $i (i32.add (local.get $i) (local.get $n)))
        (br $chars)))
    (i32.store (local.get $res) (local.get $utf16))
    (i32.store offset=4 (local.get $res) (local.get $ns))
    (i32.store offset=8 (local.get $res) (local.get $other))
    (i32.store offset=12 (local.get $res) (local.get $fffd))
    (i32.sub (local.get $o) (local.get $p)))

  ;; Sort the $n u32 at $p ascending (LSD radix sort, four 8-bit digits, through $tmp: $n u32) and
  ;; drop repeats; returns how many distinct values remain at $p. $hist: 4 KiB of scratch, the four
  ;; digits' histograms interleaved (digit value d, pass k at $hist + 16d + 4k), so that one i32x4
  ;; running sum makes all four exclusive prefix sums in 256 steps instead of 1,024 (a row has
  ;; ~250 shingles: the prefix sums were as much work as the scatters; issue 17).
  (func (export "sortUnique") (param $p i32) (param $n i32) (param $tmp i32) (param $hist i32) (result i32)
    (local $k i32) (local $v i32) (local $end i32) (local $pass i32) (local $shift i32) (local $h i32)
    (local $src i32) (local $dst i32) (local $d i32) (local $t i32) (local $o i32) (local $sum v128) (local $x v128)
    (if (i32.lt_u (local.get $n) (i32.const 2)) (then (return (local.get $n))))
    (memory.fill (local.get $hist) (i32.const 0) (i32.const 4096))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $k (local.get $p))
    (loop $count
      (local.set $v (i32.load (local.get $k)))
      (local.set $h (i32.add (local.get $hist) (i32.shl (i32.and (local.get $v) (i32.const 0xff)) (i32.const 4))))
      (i32.store (local.get $h) (i32.add (i32.load (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (local.get $hist) (i32.shl (i32.and (i32.shr_u (local.get $v) (i32.const 8)) (i32.const 0xff)) (i32.const 4))))
      (i32.store offset=4 (local.get $h) (i32.add (i32.load offset=4 (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (local.get $hist) (i32.shl (i32.and (i32.shr_u (local.get $v) (i32.const 16)) (i32.const 0xff)) (i32.const 4))))
      (i32.store offset=8 (local.get $h) (i32.add (i32.load offset=8 (local.get $h)) (i32.const 1)))
      (local.set $h (i32.add (local.get $hist) (i32.shl (i32.shr_u (local.get $v) (i32.const 24)) (i32.const 4))))
      (i32.store offset=12 (local.get $h) (i32.add (i32.load offset=12 (local.get $h)) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br_if $count (i32.lt_u (local.get $k) (local.get $end))))
    ;; exclusive prefix sums of the four histograms at once
    (local.set $h (local.get $hist))
    (local.set $d (i32.add (local.get $hist) (i32.const 4096)))
    (loop $prefix
      (local.set $x (v128.load (local.get $h)))
      (v128.store (local.get $h) (local.get $sum))
      (local.set $sum (i32x4.add (local.get $sum) (local.get $x)))
      (local.set $h (i32.add (local.get $h) (i32.const 16)))
      (br_if $prefix (i32.lt_u (local.get $h) (local.get $d))))
    (local.set $src (local.get $p))
    (local.set $dst (local.get $tmp))
    (loop $passes
      (local.set $shift (i32.shl (local.get $pass) (i32.const 3)))
      (local.set $h (i32.add (local.get $hist) (i32.shl (local.get $pass) (i32.const 2))))
      (local.set $k (i32.const 0))
      (loop $scatter
        (local.set $v (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $t (i32.add (local.get $h) (i32.shl (i32.and (i32.shr_u (local.get $v) (local.get $shift)) (i32.const 0xff)) (i32.const 4))))
        (local.set $o (i32.load (local.get $t)))
        (i32.store (local.get $t) (i32.add (local.get $o) (i32.const 1)))
        (i32.store (i32.add (local.get $dst) (i32.shl (local.get $o) (i32.const 2))) (local.get $v))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $scatter (i32.lt_u (local.get $k) (local.get $n))))
      (local.set $t (local.get $src))
      (local.set $src (local.get $dst))
      (local.set $dst (local.get $t))
      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br_if $passes (i32.lt_u (local.get $pass) (i32.const 4))))
    ;; four passes: the sorted values are back at $p; drop repeats
    (local.set $o (i32.const 1))
    (local.set $k (i32.const 1))
    (loop $uniq
      (local.set $v (i32.load (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 2)))))
      (if (i32.ne (local.get $v) (i32.load (i32.add (local.get $p) (i32.shl (i32.sub (local.get $o) (i32.const 1)) (i32.const 2)))))
        (then
          (i32.store (i32.add (local.get $p) (i32.shl (local.get $o) (i32.const 2))) (local.get $v))
          (local.set $o (i32.add (local.get $o) (i32.const 1)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $uniq (i32.lt_u (local.get $k) (local.get $n))))
    (local.get $o))

  ;; XXH32, seed 0, of mem[p, p + len). Spec: github.com/Cyan4973/xxHash doc/xxhash_spec.md.
  (func $xxh32 (param $p i32) (param $len i32) (result i32)
    (local $end i32) (local $limit i32) (local $h i32)
    (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (if (i32.ge_u (local.get $len) (i32.const 16))
      (then
        ;; seed + P1 + P2, seed + P2, seed, seed - P1 (mod 2^32)
        (local.set $v1 (i32.const 0x24234428))
        (local.set $v2 (i32.const 0x85ebca77))
        (local.set $v3 (i32.const 0))
        (local.set $v4 (i32.const 0x61c8864f))
        (local.set $limit (i32.sub (local.get $end) (i32.const 16)))
        (loop $stripes
          (local.set $v1 (i32.mul (i32.rotl (i32.add (local.get $v1) (i32.mul (i32.load (local.get $p)) (i32.const 0x85ebca77))) (i32.const 13)) (i32.const 0x9e3779b1)))
          (local.set $v2 (i32.mul (i32.rotl (i32.add (local.get $v2) (i32.mul (i32.load offset=4 (local.get $p)) (i32.const 0x85ebca77))) (i32.const 13)) (i32.const 0x9e3779b1)))
          (local.set $v3 (i32.mul (i32.rotl (i32.add (local.get $v3) (i32.mul (i32.load offset=8 (local.get $p)) (i32.const 0x85ebca77))) (i32.const 13)) (i32.const 0x9e3779b1)))
          (local.set $v4 (i32.mul (i32.rotl (i32.add (local.get $v4) (i32.mul (i32.load offset=12 (local.get $p)) (i32.const 0x85ebca77))) (i32.const 13)) (i32.const 0x9e3779b1)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $stripes (i32.le_u (local.get $p) (local.get $limit))))
        (local.set $h
          (i32.add
            (i32.add (i32.rotl (local.get $v1) (i32.const 1)) (i32.rotl (local.get $v2) (i32.const 7)))
            (i32.add (i32.rotl (local.get $v3) (i32.const 12)) (i32.rotl (local.get $v4) (i32.const 18))))))
      (else (local.set $h (i32.const 0x165667b1))))
    (local.set $h (i32.add (local.get $h) (local.get $len)))
    (block $done4
      (loop $words
        (br_if $done4 (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
        (local.set $h (i32.mul (i32.rotl (i32.add (local.get $h) (i32.mul (i32.load (local.get $p)) (i32.const 0xc2b2ae3d))) (i32.const 17)) (i32.const 0x27d4eb2f)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $words)))
    (block $done1
      (loop $bytes
        (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $h (i32.mul (i32.rotl (i32.add (local.get $h) (i32.mul (i32.load8_u (local.get $p)) (i32.const 0x165667b1))) (i32.const 11)) (i32.const 0x9e3779b1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $bytes)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca77)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0xc2b2ae3d)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  (func (export "xxh32") (param $p i32) (param $len i32) (result i32)
    (call $xxh32 (local.get $p) (local.get $len)))

  ;; Shingle hashes of the UTF-8 text mem[$text, $text + $len) (normalised: words separated by one
  ;; space, no leading or trailing space): XXH32 of each run of $n units (words joined by their
  ;; space; or code points when $char is 1), written as u32 to $out; returns how many. A text of at
  ;; most $n units is one shingle (the whole text). $starts is scratch for $len + 2 i32s.
  (func (export "shingle") (param $text i32) (param $len i32) (param $n i32) (param $char i32) (param $starts i32) (param $out i32) (result i32)
    (local $i i32) (local $u i32) (local $end i32) (local $count i32) (local $sep i32) (local $s i32)
    (if (i32.eqz (local.get $len)) (then (return (i32.const 0))))
    (local.set $end (i32.add (local.get $text) (local.get $len)))
    (local.set $i (local.get $text))
    (if (local.get $char)
      (then
        ;; a unit starts at every byte that is not a UTF-8 continuation byte
        (loop $cps
          (if (i32.ne (i32.and (i32.load8_u (local.get $i)) (i32.const 0xc0)) (i32.const 0x80))
            (then
              (i32.store (i32.add (local.get $starts) (i32.shl (local.get $u) (i32.const 2))) (local.get $i))
              (local.set $u (i32.add (local.get $u) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $cps (i32.lt_u (local.get $i) (local.get $end))))
        (i32.store (i32.add (local.get $starts) (i32.shl (local.get $u) (i32.const 2))) (local.get $end))
        (local.set $sep (i32.const 0)))
      (else
        (i32.store (local.get $starts) (local.get $text))
        (local.set $u (i32.const 1))
        ;; branch-free (a space every ~6 bytes made the branch mispredict; issue 17): the next
        ;; start is stored at every byte, and kept (u + 1) only after a space
        (loop $words
          (i32.store (i32.add (local.get $starts) (i32.shl (local.get $u) (i32.const 2))) (i32.add (local.get $i) (i32.const 1)))
          (local.set $u (i32.add (local.get $u) (i32.eq (i32.load8_u (local.get $i)) (i32.const 32))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $words (i32.lt_u (local.get $i) (local.get $end))))
        ;; one past the (virtual) separator after the last word
        (i32.store (i32.add (local.get $starts) (i32.shl (local.get $u) (i32.const 2))) (i32.add (local.get $end) (i32.const 1)))
        (local.set $sep (i32.const 1))))
    ;; $u = number of units
    (if (i32.le_u (local.get $u) (local.get $n))
      (then
        (i32.store (local.get $out) (call $xxh32 (local.get $text) (local.get $len)))
        (return (i32.const 1))))
    (local.set $count (i32.add (i32.sub (local.get $u) (local.get $n)) (i32.const 1)))
    (local.set $i (i32.const 0))
    (loop $grams
      (local.set $s (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
      (i32.store
        (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (call $xxh32
          (local.get $s)
          (i32.sub
            (i32.sub (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (local.get $n)) (i32.const 2)))) (local.get $sep))
            (local.get $s))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $grams (i32.lt_u (local.get $i) (local.get $count))))
    (local.get $count))

  ;; MinHash: for each of $groups groups of 16 permutations, the minimum over the $n u32 shingle
  ;; hashes at $set of h(x) = g(a·x + b mod 2^32), g(v) = v ^ (v >> 16), compared unsigned; written
  ;; as 16 u32 per group to $out. $ab holds per group a[16] then b[16] (128 bytes).
  (func (export "minhash") (param $set i32) (param $n i32) (param $ab i32) (param $groups i32) (param $out i32)
    (local $g i32) (local $k i32) (local $end i32) (local $x v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local.set $end (i32.add (local.get $set) (i32.shl (local.get $n) (i32.const 2))))
    (block $nogroups
      (br_if $nogroups (i32.eqz (local.get $groups)))
      (loop $group
        (local.set $a0 (v128.load (local.get $ab)))
        (local.set $a1 (v128.load offset=16 (local.get $ab)))
        (local.set $a2 (v128.load offset=32 (local.get $ab)))
        (local.set $a3 (v128.load offset=48 (local.get $ab)))
        (local.set $b0 (v128.load offset=64 (local.get $ab)))
        (local.set $b1 (v128.load offset=80 (local.get $ab)))
        (local.set $b2 (v128.load offset=96 (local.get $ab)))
        (local.set $b3 (v128.load offset=112 (local.get $ab)))
        (local.set $m0 (v128.const i32x4 -1 -1 -1 -1))
        (local.set $m1 (local.get $m0))
        (local.set $m2 (local.get $m0))
        (local.set $m3 (local.get $m0))
        (local.set $k (local.get $set))
        (block $noitems
          (br_if $noitems (i32.ge_u (local.get $k) (local.get $end)))
          (loop $items
            (local.set $x (v128.load32_splat (local.get $k)))
            (local.set $v (i32x4.add (i32x4.mul (local.get $x) (local.get $a0)) (local.get $b0)))
            (local.set $m0 (i32x4.min_u (local.get $m0) (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 16)))))
            (local.set $v (i32x4.add (i32x4.mul (local.get $x) (local.get $a1)) (local.get $b1)))
            (local.set $m1 (i32x4.min_u (local.get $m1) (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 16)))))
            (local.set $v (i32x4.add (i32x4.mul (local.get $x) (local.get $a2)) (local.get $b2)))
            (local.set $m2 (i32x4.min_u (local.get $m2) (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 16)))))
            (local.set $v (i32x4.add (i32x4.mul (local.get $x) (local.get $a3)) (local.get $b3)))
            (local.set $m3 (i32x4.min_u (local.get $m3) (v128.xor (local.get $v) (i32x4.shr_u (local.get $v) (i32.const 16)))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br_if $items (i32.lt_u (local.get $k) (local.get $end)))))
        (v128.store (local.get $out) (local.get $m0))
        (v128.store offset=16 (local.get $out) (local.get $m1))
        (v128.store offset=32 (local.get $out) (local.get $m2))
        (v128.store offset=48 (local.get $out) (local.get $m3))
        (local.set $ab (i32.add (local.get $ab) (i32.const 128)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br_if $group (i32.lt_u (local.get $g) (local.get $groups))))))
)
