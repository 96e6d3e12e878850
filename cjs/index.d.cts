// The declarations of the ES build, for require('meanfield') (TypeScript >= 5.8, module nodenext).
export * from '../dist/index.js';
