/**
 * Transitional: the test systems live in ./system (one helper, no import cycle). The files that still import this
 * path (test/fuzz, test/token, test/attacks) switch to ./system with their next change, and then this file goes.
 */
export { DEFAULT_MARKET, deployExchange, marketConfig, type ExchangeSystem, type MarketSettings } from "./system";
