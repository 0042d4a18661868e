// Types of hash-wasm's one-algorithm builds (UMD files without their own declarations), imported
// by ./xxhash.ts instead of the all-algorithms index. An ES import of a CommonJS file gives its
// module.exports as the default export.
declare module 'hash-wasm/dist/xxhash128.umd.min.js' {
  const m: { createXXHash128: typeof import('hash-wasm').createXXHash128 };
  export default m;
}
declare module 'hash-wasm/dist/xxhash3.umd.min.js' {
  const m: { createXXHash3: typeof import('hash-wasm').createXXHash3 };
  export default m;
}
declare module 'hash-wasm/dist/xxhash32.umd.min.js' {
  const m: { createXXHash32: typeof import('hash-wasm').createXXHash32 };
  export default m;
}
