'use strict';
// require('meanfield'): the ES build itself, loaded by Node's require of ES modules (Node >= 20.19,
// 22.12), so require and import share one instance, one init() and one set of error classes.
module.exports = require('../dist/index.js');
