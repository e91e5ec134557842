/**
 * The slice of FraudProofs (contracts/src/FraudProofs.sol, PROTOCOL §6.3) the challenger calls
 * and reads, checked against the compiled artifact by fraudAbi.test.ts.
 * @module
 */
import { parseAbi } from "viem";

export const FRAUD_PROOFS_ABI = parseAbi([
  "struct OutputRootProof { bytes32 stateRoot; bytes32 withdrawalsRoot; bytes32 l2BlockHash; }",
  "struct Claim { bytes32 outputRoot; OutputRootProof preimage; bytes record; bytes recordProof; bytes beaconY; bytes tiles; bytes proof; uint256 sampleIndex; }",
  "function proveInvalidCompute(uint256 outputIndex, address[] signers, Claim claim)",
  "struct G1Point { uint256 x; uint256 y; }",
  "struct G2Point { uint256[2] x; uint256[2] y; }",
  "function proveEquivocation(address operator, uint256 l2BlockNumber, bytes32 l1BlockHash, bytes32[2] roots, G1Point pkG1, G2Point pkG2, G1Point[2] sigs)",
  "event EquivocationProven(address indexed operator, uint256 indexed l2BlockNumber, bytes32 l1BlockHash, address indexed challenger)",
  "function demandRecord(uint256 outputIndex, uint64 challengeId) payable returns (bytes32 demandKey)",
  "function provideRecord(bytes32 demandKey, OutputRootProof preimage, bytes record, bytes recordProof)",
  "function finalizeRecordDemand(bytes32 demandKey, address[] signers)",
  "function demandOpenings(uint256 outputIndex, OutputRootProof preimage, bytes record, bytes recordProof) payable returns (bytes32 demandKey)",
  "function provideOpenings(bytes32 demandKey, bytes tiles, bytes proof)",
  "function finalizeAvailability(bytes32 demandKey, address[] signers)",
  "function demandBond() view returns (uint256)",
  "function availabilityWindow() view returns (uint64)",
  "event InvalidComputeProven(uint256 indexed outputIndex, uint256 indexed challengeId, address indexed challenger, uint256 signers)",
  "event RecordDemanded(bytes32 indexed demandKey, uint256 indexed outputIndex, uint256 indexed challengeId, uint256 deadline, address demander)",
  "event RecordProvided(bytes32 indexed demandKey, OutputRootProof preimage, bytes record, bytes recordProof)",
  "event OpeningsDemanded(bytes32 indexed demandKey, uint256 indexed outputIndex, uint256 indexed challengeId, bytes32 openingsDigest, uint256 deadline, address demander)",
  "event OpeningsProvided(bytes32 indexed demandKey, bytes tiles, bytes proof)",
]);
