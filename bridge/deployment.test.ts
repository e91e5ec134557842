import { describe, expect, it } from "vitest";
import { formatDeployment, type L1Deployment, MAX_DEPLOYMENT_BYTES, parseDeployment } from "./deployment.ts";

const GOOD: L1Deployment = {
  version: 1,
  l1ChainId: 31337,
  genesisHash: `0x${"ab".repeat(32)}`,
  deployBlock: 1,
  deployBlockHash: `0x${"cd".repeat(32)}`,
  contracts: {
    BatchInbox: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    OutputOracle: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    Portal: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    FlopsCredit: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  },
};

function mutate(f: (j: Record<string, unknown>) => void): string {
  const j = JSON.parse(formatDeployment(GOOD)) as Record<string, unknown>;
  f(j);
  return JSON.stringify(j);
}

describe("deployment file", () => {
  it("round-trips and checksums addresses", () => {
    expect(parseDeployment(formatDeployment(GOOD))).toEqual(GOOD);
    const lower = mutate((j) => {
      (j.contracts as Record<string, string>).Portal = GOOD.contracts.Portal.toLowerCase();
    });
    expect(parseDeployment(lower).contracts.Portal).toBe(GOOD.contracts.Portal);
  });

  it("refuses anything but the exact shape", () => {
    const cases: [string, string | RegExp][] = [
      ["not json", /not JSON/],
      [mutate((j) => (j.extra = 1)), /unknown key extra/],
      [mutate((j) => delete j.deployBlock), /missing key deployBlock/],
      [mutate((j) => (j.version = 2)), /version must be 1/],
      [mutate((j) => (j.l1ChainId = "31337")), /l1ChainId must be an integer/],
      [mutate((j) => (j.deployBlock = -1)), /deployBlock must be an integer >= 0/],
      [mutate((j) => (j.deployBlock = 2 ** 60)), /deployBlock must be an integer/],
      [mutate((j) => (j.genesisHash = "0x1234")), /genesisHash must be/],
      [
        mutate((j) => ((j.contracts as Record<string, string>).Portal = "0x1234")),
        /contracts.Portal must be/,
      ],
      [
        mutate((j) => ((j.contracts as Record<string, string>).Bridge = GOOD.contracts.Portal)),
        /unknown key Bridge/,
      ],
      [mutate((j) => (j.contracts = [])), /contracts must be an object/],
      [" ".repeat(MAX_DEPLOYMENT_BYTES + 1), /larger than/],
    ];
    for (const [text, why] of cases) expect(() => parseDeployment(text), String(why)).toThrow(why);
  });

  it("reads the optional operator entries (EigenLayer core, OperatorRegistry), checked the same way", () => {
    const withOps: L1Deployment = {
      ...GOOD,
      eigenLayer: { DelegationManager: GOOD.contracts.Portal, AllocationManager: GOOD.contracts.BatchInbox },
      operatorRegistry: GOOD.contracts.FlopsCredit,
    };
    expect(parseDeployment(formatDeployment(withOps))).toEqual(withOps);
    expect(parseDeployment(formatDeployment(GOOD))).not.toHaveProperty("eigenLayer");
    const bad = JSON.parse(formatDeployment(withOps)) as Record<string, Record<string, string>>;
    bad.eigenLayer!.StrategyManager = GOOD.contracts.Portal;
    expect(() => parseDeployment(JSON.stringify(bad))).toThrow(/unknown key StrategyManager/);
    expect(() =>
      parseDeployment(JSON.stringify({ ...bad, eigenLayer: withOps.eigenLayer, operatorRegistry: "0x12" })),
    ).toThrow(/operatorRegistry must be/);
  });

  it("reads the optional fraudProofs address (checksummed), only beside the operator entries", () => {
    const ops: L1Deployment = {
      ...GOOD,
      eigenLayer: { DelegationManager: GOOD.contracts.Portal, AllocationManager: GOOD.contracts.BatchInbox },
      operatorRegistry: GOOD.contracts.FlopsCredit,
    };
    const withFraud: L1Deployment = { ...ops, fraudProofs: GOOD.contracts.OutputOracle };
    const text = formatDeployment(withFraud);
    expect(JSON.parse(text)).toHaveProperty("fraudProofs", GOOD.contracts.OutputOracle);
    expect(parseDeployment(text)).toEqual(withFraud);
    const lower = { ...JSON.parse(text), fraudProofs: GOOD.contracts.OutputOracle.toLowerCase() };
    expect(parseDeployment(JSON.stringify(lower)).fraudProofs).toBe(GOOD.contracts.OutputOracle);
    expect(parseDeployment(formatDeployment(ops))).not.toHaveProperty("fraudProofs");
    const json = JSON.parse(text) as Record<string, unknown>;
    for (const bad of ["0x12", 42, null, [GOOD.contracts.Portal], `${GOOD.contracts.Portal}00`])
      expect(() => parseDeployment(JSON.stringify({ ...json, fraudProofs: bad })), String(bad)).toThrow(
        /fraudProofs must be a 0x-prefixed 20-byte address/,
      );
    const alone = JSON.parse(formatDeployment({ ...GOOD, fraudProofs: GOOD.contracts.Portal })) as object;
    expect(() => parseDeployment(JSON.stringify(alone))).toThrow(/fraudProofs needs the eigenLayer/);
  });
});
