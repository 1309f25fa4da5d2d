import { Signature, type Signer, type TypedDataField } from "ethers";

/** EIP-2612's Permit struct, as the tokens (OpenZeppelin ERC20Permit, domain version "1") sign it. */
export const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** What signing a permit needs of a token. */
export interface PermitToken {
  name(): Promise<string>;
  nonces(owner: string): Promise<bigint>;
  getAddress(): Promise<string>;
}

/**
 * Signs an EIP-2612 permit with `signer` for `owner` (the signer itself unless given: a different owner makes a
 * signature the token rejects, which tests use), at the owner's current nonce.
 */
export async function signPermit(
  signer: Signer,
  token: PermitToken,
  spender: string,
  value: bigint,
  deadline: bigint,
  owner?: string,
): Promise<Signature> {
  const from = owner ?? (await signer.getAddress());
  const network = await signer.provider?.getNetwork();
  if (!network) throw new Error("the signer has no provider to read the chain id from");
  const domain = {
    name: await token.name(),
    version: "1",
    chainId: network.chainId,
    verifyingContract: await token.getAddress(),
  };
  const nonce = await token.nonces(from);
  return Signature.from(
    await signer.signTypedData(domain, PERMIT_TYPES, { owner: from, spender, value, nonce, deadline }),
  );
}

/** A signed permit as the `...WithPermit` functions take it (`PermitSignature` in contracts/interfaces). */
export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** `signPermit`, packed with its deadline as the `...WithPermit` functions take it. */
export async function signPermitSignature(...args: Parameters<typeof signPermit>): Promise<PermitSignature> {
  const { v, r, s } = await signPermit(...args);
  const [, , , , deadline] = args;
  return { deadline, v, r, s };
}
