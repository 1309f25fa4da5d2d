// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test-only: Chainlink's own mock feed, which accepts any answer (zero and negative included) and any timestamp.
// solhint-disable-next-line no-unused-import
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
