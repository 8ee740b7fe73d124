/** Tests ask for free loopback ports through the same helper the appliance uses. */
export { freeLoopbackPort as freePort } from '../../common/net/free-port.ts';
