export { freePort } from '../runner/src/free-port.js';
