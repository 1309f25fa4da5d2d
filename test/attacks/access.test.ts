import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract } from "ethers";
import type { IAccessControl } from "../../typechain-types";
import { marketConfig } from "../helpers/fixtures";
import { feedPrice, usdc, wad } from "../helpers/units";
import { attackSystem } from "./setup";

/** The attack system with every role also granted to a dedicated account, so each role has its own holders. */
async function rolesSystem() {
  const s = await attackSystem();
  const signers = await ethers.getSigners();
  const [marketAdmin, fundManager, oracle, tokenCreator, pauser, feeManager, stranger] = signers.slice(6, 13);
  await s.exchange.grantRole(await s.exchange.MARKET_ADMIN_ROLE(), marketAdmin.address);
  await s.exchange.grantRole(await s.exchange.FUND_MANAGER_ROLE(), fundManager.address);
  await s.btcFeed.grantRole(await s.btcFeed.ORACLE_ROLE(), oracle.address);
  await s.factory.grantRole(await s.factory.TOKEN_CREATOR_ROLE(), tokenCreator.address);
  await s.long.grantRole(await s.long.PAUSER_ROLE(), pauser.address);
  await s.long.grantRole(await s.long.FEE_MANAGER_ROLE(), feeManager.address);
  const spareFeed = await ethers.deployContract("SettablePriceFeed", [
    8,
    "ETH / USD",
    s.admin.address,
    feedPrice(3_000),
  ]);
  const actors = [s.admin, s.alice, s.bob, s.attacker, signers[4], signers[5], ...signers.slice(6, 13)];
  const named = { marketAdmin, fundManager, oracle, tokenCreator, pauser, feeManager, stranger };
  return { ...s, actors, named, spareFeed };
}

type System = Awaited<ReturnType<typeof rolesSystem>>;

interface Row {
  fn: string;
  contract: (s: System) => BaseContract;
  /** The role's id, or "owner" for the stablecoin's Ownable functions. */
  role: (s: System) => Promise<string> | string;
  holders: (s: System) => HardhatEthersSigner[];
  call: (s: System, as: HardhatEthersSigner) => Promise<unknown>;
}

const ADMIN = ethers.ZeroHash;

/** A contract whose roles the admin role grants and revokes (AccessControl's grantRole and revokeRole). */
type RoleAdmin = BaseContract & { connect(as: HardhatEthersSigner): Pick<IAccessControl, "grantRole" | "revokeRole"> };

/** `name`'s grantRole and revokeRole: the admin role's only, here of `role` to the stranger. */
function roleAdminRows(name: string, contract: (s: System) => RoleAdmin, role: (s: System) => Promise<string>): Row[] {
  return (["grantRole", "revokeRole"] as const).map((fn) => ({
    fn: `${name}.${fn}`,
    contract,
    role: () => ADMIN,
    holders: (s) => [s.admin],
    call: async (s, as) =>
      contract(s)
        .connect(as)
        [fn](await role(s), s.named.stranger.address),
  }));
}
const fees = (s: System) => ({ mintFeeBps: 5, redeemFeeBps: 5, managementFeePerYear: 0n, recipient: s.feeRecipient });

const table: Row[] = [
  // exchange
  {
    fn: "PerpExchange.createMarket",
    contract: (s) => s.exchange,
    role: (s) => s.exchange.MARKET_ADMIN_ROLE(),
    holders: (s) => [s.admin, s.named.marketAdmin],
    call: async (s, as) => s.exchange.connect(as).createMarket("ETH", marketConfig(await s.spareFeed.getAddress())),
  },
  {
    fn: "PerpExchange.updateMarketConfig",
    contract: (s) => s.exchange,
    role: (s) => s.exchange.MARKET_ADMIN_ROLE(),
    holders: (s) => [s.admin, s.named.marketAdmin],
    call: async (s, as) => s.exchange.connect(as).updateMarketConfig(0, marketConfig(await s.btcFeed.getAddress())),
  },
  {
    fn: "PerpExchange.withdrawFromFund",
    contract: (s) => s.exchange,
    role: (s) => s.exchange.FUND_MANAGER_ROLE(),
    holders: (s) => [s.admin, s.named.fundManager],
    call: (s, as) => s.exchange.connect(as).withdrawFromFund(usdc(1), as.address),
  },
  ...roleAdminRows(
    "PerpExchange",
    (s) => s.exchange,
    (s) => s.exchange.FUND_MANAGER_ROLE(),
  ),
  // feed
  {
    fn: "SettablePriceFeed.updateAnswer",
    contract: (s) => s.btcFeed,
    role: (s) => s.btcFeed.ORACLE_ROLE(),
    holders: (s) => [s.admin, s.named.oracle],
    call: (s, as) => s.btcFeed.connect(as).updateAnswer(feedPrice(51_000)),
  },
  ...roleAdminRows(
    "SettablePriceFeed",
    (s) => s.btcFeed,
    (s) => s.btcFeed.ORACLE_ROLE(),
  ),
  // stablecoin
  {
    fn: "MockStablecoin.mint",
    contract: (s) => s.usdc,
    role: () => "owner",
    holders: (s) => [s.admin],
    call: (s, as) => s.usdc.connect(as).mint(as.address, usdc(1)),
  },
  {
    fn: "MockStablecoin.setFaucetLimits",
    contract: (s) => s.usdc,
    role: () => "owner",
    holders: (s) => [s.admin],
    call: (s, as) => s.usdc.connect(as).setFaucetLimits(usdc(1), usdc(2)),
  },
  {
    fn: "MockStablecoin.transferOwnership",
    contract: (s) => s.usdc,
    role: () => "owner",
    holders: (s) => [s.admin],
    call: (s, as) => s.usdc.connect(as).transferOwnership(as.address),
  },
  {
    fn: "MockStablecoin.renounceOwnership",
    contract: (s) => s.usdc,
    role: () => "owner",
    holders: (s) => [s.admin],
    call: (s, as) => s.usdc.connect(as).renounceOwnership(),
  },
  // factory
  {
    fn: "LeveragedTokenFactory.createToken",
    contract: (s) => s.factory,
    role: (s) => s.factory.TOKEN_CREATOR_ROLE(),
    holders: (s) => [s.admin, s.named.tokenCreator],
    call: (s, as) => s.factory.connect(as).createToken(0, wad(2)),
  },
  {
    fn: "LeveragedTokenFactory.setTokenDefaults",
    contract: (s) => s.factory,
    role: () => ADMIN,
    holders: (s) => [s.admin],
    call: async (s, as) => {
      const d = await s.factory.tokenDefaults();
      return s.factory.connect(as).setTokenDefaults({
        fees: { mintFeeBps: d.fees.mintFeeBps, redeemFeeBps: 0, managementFeePerYear: 0n, recipient: d.fees.recipient },
        rebalanceSettings: { interval: d.rebalanceSettings.interval, band: d.rebalanceSettings.band },
        initialNav: d.initialNav,
        equityCap: d.equityCap,
        tokenAdmin: d.tokenAdmin,
      });
    },
  },
  ...roleAdminRows(
    "LeveragedTokenFactory",
    (s) => s.factory,
    (s) => s.factory.TOKEN_CREATOR_ROLE(),
  ),
  {
    fn: "LeveragedTokenFactory.retireToken",
    contract: (s) => s.factory,
    role: (s) => s.factory.TOKEN_CREATOR_ROLE(),
    holders: (s) => [s.admin, s.named.tokenCreator],
    call: async (s, as) => s.factory.connect(as).retireToken(await s.long.getAddress()),
  },
  // token
  {
    fn: "LeveragedToken.setEquityCap",
    contract: (s) => s.long,
    role: () => ADMIN,
    holders: (s) => [s.admin],
    call: (s, as) => s.long.connect(as).setEquityCap(usdc(1_000_000)),
  },
  {
    fn: "LeveragedToken.setFees",
    contract: (s) => s.long,
    role: (s) => s.long.FEE_MANAGER_ROLE(),
    holders: (s) => [s.admin, s.named.feeManager],
    call: (s, as) => s.long.connect(as).setFees(fees(s)),
  },
  {
    fn: "LeveragedToken.setRebalanceSettings",
    contract: (s) => s.long,
    role: () => ADMIN,
    holders: (s) => [s.admin],
    call: (s, as) => s.long.connect(as).setRebalanceSettings({ interval: 3_600, band: wad("0.2") }),
  },
  {
    fn: "LeveragedToken.pause",
    contract: (s) => s.long,
    role: (s) => s.long.PAUSER_ROLE(),
    holders: (s) => [s.admin, s.named.pauser],
    call: (s, as) => s.long.connect(as).pause(),
  },
  {
    fn: "LeveragedToken.unpause",
    contract: (s) => s.long,
    role: (s) => s.long.PAUSER_ROLE(),
    holders: (s) => [s.admin, s.named.pauser],
    call: (s, as) => s.long.connect(as).unpause(),
  },
  ...roleAdminRows(
    "LeveragedToken",
    (s) => s.long,
    (s) => s.long.PAUSER_ROLE(),
  ),
];

describe("attack: every privileged function called by every non-holder of its role", () => {
  it(`${table.length} functions x every account without the role revert with the role's error; holders pass`, async () => {
    const s = await loadFixture(rolesSystem);
    let refused = 0;
    for (const row of table) {
      const holders = new Set(row.holders(s).map((h) => h.address));
      const role = await row.role(s);
      const roleId = role === "owner" ? undefined : role;
      for (const actor of s.actors) {
        const label = `${row.fn} by ${actor.address}`;
        if (holders.has(actor.address)) {
          // A holder gets past the role check (unpause may then refuse because nothing is paused, and retireToken
          // because the token is not wiped out).
          if (row.fn === "LeveragedToken.unpause") {
            await expect(row.call(s, actor), label).to.be.revertedWithCustomError(row.contract(s), "ExpectedPause");
          } else if (row.fn === "LeveragedTokenFactory.retireToken") {
            await expect(row.call(s, actor), label).to.be.revertedWithCustomError(
              row.contract(s),
              "FactoryTokenNotWipedOut",
            );
          } else {
            const snapshot = await ethers.provider.send("evm_snapshot", []);
            await expect(row.call(s, actor), label).not.to.be.reverted;
            await ethers.provider.send("evm_revert", [snapshot]);
          }
          continue;
        }
        if (roleId === undefined) {
          await expect(row.call(s, actor), label)
            .to.be.revertedWithCustomError(row.contract(s), "OwnableUnauthorizedAccount")
            .withArgs(actor.address);
        } else {
          await expect(row.call(s, actor), label)
            .to.be.revertedWithCustomError(row.contract(s), "AccessControlUnauthorizedAccount")
            .withArgs(actor.address, roleId);
        }
        refused++;
      }
    }
    expect(refused).to.be.greaterThan(table.length * 10);
    // Nothing changed: same fees, settings, pause state, markets, tokens, fund, feed.
    expect(await s.long.paused()).to.equal(false);
    expect(await s.exchange.marketCount()).to.equal(1n);
    expect(await s.factory.tokenCount()).to.equal(2n);
    expect((await s.btcFeed.latestRoundData()).answer).to.equal(feedPrice(50_000));
    expect(await s.usdc.owner()).to.equal(s.admin.address);
  });
});
