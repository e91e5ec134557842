/**
 * The parts of the L1 contracts the bridge uses (the output proposer, the bridge and force CLI
 * commands), typed for viem, with every custom error each contract can revert with, so a revert is
 * named with its arguments (`ChallengeWindowOpen(0, 1767225600)`) rather than shown as raw data.
 * bridgeAbi.test.ts checks each entry against contracts/out/*.json: a contract change cannot drift
 * past these bindings.
 * @module
 */
import { parseAbi } from "viem";

/** OutputOracle (PROTOCOL §6.1). */
export const ORACLE_ABI = parseAbi([
  "struct Output { bytes32 outputRoot; bytes32 l1BlockHash; uint64 l2BlockNumber; uint64 l1BlockNumber; uint64 timestamp; uint64 invalidationsBefore; }",
  "function proposeOutput(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber) returns (uint256 outputIndex)",
  "function nextL2BlockNumber() view returns (uint256)",
  "function outputCount() view returns (uint256)",
  "function getOutput(uint256 outputIndex) view returns (Output)",
  "function outputStatus(uint256 outputIndex) view returns (bytes32 outputRoot, uint256 finalizesAt, bool invalidated)",
  "function challengeWindow() view returns (uint256)",
  "event OutputProposed(uint256 indexed outputIndex, bytes32 indexed outputRoot, uint256 indexed l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber, uint256 timestamp)",
  // Who signed each attested output: fraud proofs (FraudProofs.sol) are given this list.
  "function signersHash(uint256 outputIndex) view returns (bytes32)",
  "event OutputSigners(uint256 indexed outputIndex, address[] signers)",
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
  "error InvalidL2BlockNumber(uint256 l2BlockNumber, uint256 nextL2BlockNumber)",
  "error L1BlockHashMismatch(uint256 l1BlockNumber, bytes32 expected, bytes32 actual)",
  "error L1BlockUnavailable(uint256 l1BlockNumber)",
  "error UnknownOutput(uint256 outputIndex)",
  "error ZeroOutputRoot()",
  // The attested path (OutputQuorum, Bn254): proposeOutput reverts AttestationRequired once enabled.
  "error AttestationRequired()",
  "error AttestationNotEnabled()",
  "error AttestationAlreadyEnabled()",
  "error InvalidAttestationConfig()",
  "error QuorumNotReached(uint256 signedStake, uint256 totalStake)",
  "error NonSignersNotSorted(uint256 index)",
  "error NonSignerNotRegistered()",
  "error InvalidAttestationSignature()",
  "error InvalidPoint()",
]);

/** Portal (PROTOCOL §6.1). */
export const PORTAL_ABI = parseAbi([
  "struct OutputRootProof { bytes32 stateRoot; bytes32 withdrawalsRoot; bytes32 l2BlockHash; }",
  "struct Withdrawal { uint256 index; address from; address to; uint256 amount; uint256 l2BlockNumber; }",
  "function depositCredits(address to, uint256 amount) returns (uint256 depositId)",
  "function forceTransaction(bytes signedTx) returns (uint256 forcedTxIndex)",
  "function proveWithdrawal(uint256 outputIndex, OutputRootProof preimage, Withdrawal w, bytes smtProof)",
  "function finalizeWithdrawal(Withdrawal w)",
  "function provenWithdrawals(bytes32 leafHash) view returns (uint64 outputIndex, uint64 provenAt)",
  "function isWithdrawalFinalized(uint256 index) view returns (bool)",
  "function credit() view returns (address)",
  "function maxTxBytes() view returns (uint256)",
  "event CreditsDeposited(uint256 indexed depositId, address indexed from, address indexed to, uint256 amount)",
  "event TransactionForced(uint256 indexed forcedTxIndex, address indexed sender, bytes signedTx)",
  "event WithdrawalProven(uint256 indexed index, bytes32 indexed leafHash, uint256 indexed outputIndex, address prover)",
  "event WithdrawalFinalized(uint256 indexed index, bytes32 indexed leafHash, address indexed to, uint256 amount)",
  // A fraud verdict (FraudProofs, VERDICT_ROLE): derivation turns it into an L2 revoke.
  "event ChallengeInvalidated(uint256 indexed challengeId)",
  "error ChallengeWindowOpen(uint256 outputIndex, uint256 finalizesAt)",
  "error EnforcedPause()",
  "error FinalizationRateLimited(uint256 amount, uint256 available)",
  "error ForcedTxSize(uint256 size, uint256 maxTxBytes)",
  "error InvalidOutputRootProof(uint256 outputIndex)",
  "error InvalidWithdrawalProof(uint256 index)",
  "error OutputInvalidated(uint256 outputIndex)",
  "error ReentrancyGuardReentrantCall()",
  "error UnknownOutput(uint256 outputIndex)",
  "error WithdrawalAlreadyFinalized(uint256 index)",
  "error WithdrawalAlreadyProven(bytes32 leafHash, uint256 outputIndex)",
  "error WithdrawalIndexTooLarge(uint256 index)",
  "error WithdrawalNotProven(bytes32 leafHash)",
  "error ZeroValue()",
  // FlopsCredit's, raised through depositCredits' burn.
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
]);

/** FlopsCredit, the ERC-20 (18 decimals). */
export const CREDIT_ABI = parseAbi([
  "function balanceOf(address account) view returns (uint256)",
  "function totalSupply() view returns (uint256)",
]);
