// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Bn254} from "../src/lib/Bn254.sol";
import {Attestation, OutputQuorum} from "../src/lib/OutputQuorum.sol";
import {OperatorRegistry} from "../src/OperatorRegistry.sol";
import {OutputOracle} from "../src/OutputOracle.sol";
import {BlsFixture} from "./utils/BlsFixture.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice OutputQuorum.verify as an external call, so reverts can be expected.
contract QuorumHarness {
    OperatorRegistry internal immutable registry;

    constructor(OperatorRegistry r) {
        registry = r;
    }

    function verify(bytes32 msgHash, Attestation calldata att, uint32 stakeBlock)
        external
        view
        returns (uint256 signedStake, uint256 totalStake, bytes32[] memory nonSigners)
    {
        return OutputQuorum.verify(registry, msgHash, att, stakeBlock);
    }
}

contract OutputQuorumTest is Fixture, BlsFixture {
    event OutputAttested(
        uint256 indexed outputIndex,
        uint256 signedStake,
        uint256 totalStake,
        uint32 stakeBlock,
        bytes32[] nonSignerKeyHashes
    );

    uint64 internal constant L2_CHAIN_ID = 1_042_000;
    uint32 internal constant WINDOW_BLOCKS = 50;
    bytes32 internal constant M = keccak256("flops/test/message");

    QuorumHarness internal q;

    function setUp() public {
        deployAll();
        setUpBls();
        q = new QuorumHarness(registry);
    }

    function joinAll(uint256 mask, uint256 stakeEach) internal {
        for (uint256 i = 0; i < 8; ++i) {
            if ((mask >> i) & 1 == 1) join(i, stakeEach);
        }
    }

    // ---- OutputQuorum.verify ----

    function test_allSigners() public {
        joinAll(0x3f, 10);
        (uint256 signed, uint256 total, bytes32[] memory non) = q.verify(M, attest(0x3f, 0x3f, M), 1000);
        vm.assertEq(signed, 120, "signed: 6 x 2 strategies x 10");
        vm.assertEq(total, 120, "total");
        vm.assertEq(non.length, 0, "no non-signers");
    }

    function test_nonSignersAndKeylessMembersCountAgainst() public {
        joinAll(0xff, 10);
        // Operator 7 deregisters its key but stays a member: its stake counts, it cannot sign.
        vm.prank(operatorAddr(7));
        registry.deregister();
        (uint256 signed, uint256 total, bytes32[] memory non) = q.verify(M, attest(0x3f, 0x7f, M), 1000);
        vm.assertEq(signed, 120, "six signers");
        vm.assertEq(total, 160, "eight members");
        vm.assertEq(non.length, 1, "one listed non-signer");
        vm.assertEq(non[0], Bn254.hashG1(pkG1(6)), "operator 6");
    }

    function test_signerWhoseStakeEndsBeforeTheWindowCountsNothing() public {
        joinAll(0x3f, 10);
        am.setStakeEndsAfter(operatorAddr(0), 999);
        (uint256 signed, uint256 total,) = q.verify(M, attest(0x3f, 0x3f, M), 1000);
        vm.assertEq(signed, 100, "operator 0's stake is gone by block 1000");
        vm.assertEq(total, 100, "total");
        (signed,,) = q.verify(M, attest(0x3f, 0x3f, M), 999);
        vm.assertEq(signed, 120, "still there at 999");
    }

    function test_signerThatLeftTheSetAddsNoStake() public {
        joinAll(0x3f, 10);
        am.setMember(operatorAddr(5), false);
        (uint256 signed, uint256 total,) = q.verify(M, attest(0x3f, 0x3f, M), 1000);
        vm.assertEq(signed, 100, "five members signed");
        vm.assertEq(total, 100, "five members");
    }

    function test_rejectsWrongNonSignerKey() public {
        joinAll(0x3f, 10);
        Attestation memory a = attest(0x0f, 0x3f, M);
        // Key 6 was never registered: subtracting it would steer the aggregate.
        a.nonSignerKeys[0] = pkG1(6);
        _sortNonSigners(a);
        vm.expectRevert(OutputQuorum.NonSignerNotRegistered.selector);
        q.verify(M, a, 1000);
        // A registered operator's key, but one that signed: the signature no longer matches.
        a = attest(0x0f, 0x3f, M);
        a.nonSignerKeys[0] = pkG1(0);
        _sortNonSigners(a);
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        q.verify(M, a, 1000);
        // A non-signer left out: the registry's aggregate still holds its key.
        a = attest(0x0f, 0x3f, M);
        Bn254.G1Point[] memory one = new Bn254.G1Point[](1);
        one[0] = a.nonSignerKeys[0];
        a.nonSignerKeys = one;
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        q.verify(M, a, 1000);
    }

    /// The attack the registered-keys check stops: someone holding only an unregistered key (7)
    /// lists apk - pk7 as the one "non-signer", so the signers' key becomes pk7, and signs alone.
    function test_rogueNonSignerCannotForgeAQuorum() public {
        joinAll(0x3f, 10);
        Attestation memory a;
        a.nonSignerKeys = new Bn254.G1Point[](1);
        a.nonSignerKeys[0] = Bn254.add(registry.apk(), Bn254.negate(pkG1(7)));
        a.apkG2 = pkG2(7);
        a.sigma = signWith(7, M);
        vm.expectRevert(OutputQuorum.NonSignerNotRegistered.selector);
        q.verify(M, a, 1000);
    }

    function test_rejectsRepeatedOrUnsortedNonSigners() public {
        joinAll(0xff, 10);
        Attestation memory a = attest(0x0f, 0xff, M);
        (a.nonSignerKeys[0], a.nonSignerKeys[1]) = (a.nonSignerKeys[1], a.nonSignerKeys[0]);
        vm.expectRevert(abi.encodeWithSelector(OutputQuorum.NonSignersNotSorted.selector, 1));
        q.verify(M, a, 1000);
        a = attest(0x0f, 0xff, M);
        a.nonSignerKeys[2] = a.nonSignerKeys[1];
        vm.expectRevert(abi.encodeWithSelector(OutputQuorum.NonSignersNotSorted.selector, 2));
        q.verify(M, a, 1000);
    }

    function test_rejectsWrongMessageTamperedSignatureOrKey() public {
        joinAll(0xff, 10);
        Attestation memory a = attest(0x3f, 0xff, M);
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        q.verify(keccak256("another message"), a, 1000);
        a.sigma = Bn254.add(a.sigma, Bn254.g1());
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        q.verify(M, a, 1000);
        // The G2 aggregate of another signer set.
        a = attest(0x3f, 0xff, M);
        a.apkG2 = apkG2Of(0xff);
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        q.verify(M, a, 1000);
        // Off-curve non-signer key.
        a = attest(0x3f, 0xff, M);
        a.nonSignerKeys[0] = Bn254.G1Point(1, 3);
        _sortNonSigners(a);
        vm.expectRevert(Bn254.InvalidPoint.selector);
        q.verify{gas: 5_000_000}(M, a, 1000);
    }

    function _sortNonSigners(Attestation memory a) internal pure {
        uint256 n = a.nonSignerKeys.length;
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0; --j) {
                if (Bn254.hashG1(a.nonSignerKeys[j]) >= Bn254.hashG1(a.nonSignerKeys[j - 1])) break;
                (a.nonSignerKeys[j], a.nonSignerKeys[j - 1]) = (a.nonSignerKeys[j - 1], a.nonSignerKeys[j]);
            }
        }
    }

    // ---- OutputOracle's attested path ----

    function enable() internal {
        vm.prank(ADMIN);
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 2, 3);
    }

    function l1Block() internal returns (bytes32 h, uint256 n) {
        n = block.number - 1;
        h = keccak256(abi.encode("l1", n));
        vm.setBlockhash(n, h);
    }

    /// Stake only in strategy A, `amount` each for operators in `mask`.
    function setStakes(uint256 mask, uint256 amount) internal {
        for (uint256 i = 0; i < 8; ++i) {
            if ((mask >> i) & 1 == 1) {
                am.setStake(operatorAddr(i), STRATEGY_A, amount);
                am.setStake(operatorAddr(i), STRATEGY_B, 0);
            }
        }
    }

    function test_enableAttestationRules() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, PROPOSER, oracle.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(PROPOSER);
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 2, 3);
        vm.startPrank(ADMIN);
        vm.expectRevert(OutputOracle.InvalidAttestationConfig.selector);
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 4, 3);
        vm.expectRevert(OutputOracle.InvalidAttestationConfig.selector);
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 0, 3);
        vm.expectRevert(OutputOracle.InvalidAttestationConfig.selector);
        oracle.enableAttestation(registry, 0, WINDOW_BLOCKS, 2, 3);
        vm.expectRevert(OutputOracle.InvalidAttestationConfig.selector);
        oracle.enableAttestation(registry, L2_CHAIN_ID, 0, 2, 3);
        vm.expectRevert(OutputOracle.InvalidAttestationConfig.selector);
        oracle.enableAttestation(OperatorRegistry(address(0)), L2_CHAIN_ID, WINDOW_BLOCKS, 2, 3);
        vm.expectRevert(OutputOracle.AttestationNotEnabled.selector);
        oracle.outputMessageHash(bytes32(0), 1, bytes32(0));
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 2, 3);
        vm.expectRevert(OutputOracle.AttestationAlreadyEnabled.selector);
        oracle.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 1, 2);
        vm.stopPrank();
        OutputOracle.AttestationConfig memory c = oracle.attestationConfig();
        vm.assertEq(address(c.registry), address(registry), "registry");
        vm.assertEq(uint256(c.quorumNumerator), 2, "num");
        vm.assertEq(uint256(c.quorumDenominator), 3, "den");
        // The proposer role posts nothing any more.
        (bytes32 h, uint256 n) = l1Block();
        vm.expectRevert(OutputOracle.AttestationRequired.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput(keccak256("root"), 10, h, n);
    }

    function test_attestedPathNeedsAttestationEnabled() public {
        joinAll(0x3f, 10);
        (bytes32 h, uint256 n) = l1Block();
        Attestation memory a = attest(0x3f, 0x3f, M);
        vm.expectRevert(OutputOracle.AttestationNotEnabled.selector);
        oracle.proposeOutputAttested(keccak256("root"), 10, h, n, a);
    }

    function test_messageIsProtocolSection6() public {
        enable();
        vm.assertEq(
            oracle.outputMessageHash(keccak256("root"), 10, keccak256("l1")),
            keccak256(
                abi.encode(
                    "flops/output/v0",
                    block.chainid,
                    address(oracle),
                    uint256(L2_CHAIN_ID),
                    uint256(10),
                    keccak256("root"),
                    keccak256("l1")
                )
            ),
            "message"
        );
    }

    function test_attestedOutputAtExactQuorumAndOneWeiShort() public {
        enable();
        joinAll(0x3f, 0);
        // Signers 0-3 hold 100, non-signers 4-5 hold 50: 100 * 3 == 150 * 2, exactly the quorum.
        setStakes(0x0f, 25);
        setStakes(0x30, 25);
        (bytes32 h, uint256 n) = l1Block();
        bytes32 root = keccak256("root");
        bytes32 m = oracle.outputMessageHash(root, 10, h);
        Attestation memory a = attest(0x0f, 0x3f, m);

        am.setStake(operatorAddr(0), STRATEGY_A, 24);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.QuorumNotReached.selector, 99, 149));
        oracle.proposeOutputAttested(root, 10, h, n, a);

        am.setStake(operatorAddr(0), STRATEGY_A, 25);
        bytes32[] memory non = new bytes32[](2);
        non[0] = Bn254.hashG1(a.nonSignerKeys[0]);
        non[1] = Bn254.hashG1(a.nonSignerKeys[1]);
        uint32 stakeBlock = uint32(block.number + WINDOW_BLOCKS);
        vm.expectEmit(true, false, false, true, address(oracle));
        emit OutputAttested(0, 100, 150, stakeBlock, non);
        vm.prank(USER);
        vm.assertEq(oracle.proposeOutputAttested(root, 10, h, n, a), 0, "index");
        vm.assertEq(oracle.getOutput(0).outputRoot, root, "recorded");
        vm.assertEq(oracle.nextL2BlockNumber(), 11, "next");
        vm.assertEq(oracle.signatoryRecord(0), keccak256(abi.encodePacked(stakeBlock, non)), "record");
    }

    function test_stakeIsCountedAtTheWindowsEnd() public {
        enable();
        joinAll(0x3f, 0);
        setStakes(0x3f, 25);
        // Signers 0-3 (100 of 150) are exactly 2/3 while operator 0's stake lasts the window; it
        // leaves one block before the window ends: 75 of 125 is short.
        am.setStakeEndsAfter(operatorAddr(0), uint32(block.number + WINDOW_BLOCKS - 1));
        (bytes32 h, uint256 n) = l1Block();
        bytes32 m = oracle.outputMessageHash(keccak256("root"), 10, h);
        Attestation memory a = attest(0x0f, 0x3f, m);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.QuorumNotReached.selector, 75, 125));
        oracle.proposeOutputAttested(keccak256("root"), 10, h, n, a);
        am.setStakeEndsAfter(operatorAddr(0), uint32(block.number + WINDOW_BLOCKS));
        vm.assertEq(oracle.proposeOutputAttested(keccak256("root"), 10, h, n, a), 0, "lasts the window");
    }

    function test_attestationBindsEveryField() public {
        enable();
        joinAll(0x3f, 10);
        (bytes32 h, uint256 n) = l1Block();
        bytes32 root = keccak256("root");
        Attestation memory a = attest(0x3f, 0x3f, oracle.outputMessageHash(root, 10, h));
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        oracle.proposeOutputAttested(keccak256("other root"), 10, h, n, a);
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        oracle.proposeOutputAttested(root, 11, h, n, a);
        // Another oracle (another address, same chain) does not accept it either.
        OutputOracle other = new OutputOracle(ADMIN, PROPOSER, CHALLENGER, GENESIS, WINDOW);
        vm.prank(ADMIN);
        other.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 2, 3);
        vm.expectRevert(OutputQuorum.InvalidAttestationSignature.selector);
        other.proposeOutputAttested(root, 10, h, n, a);
        // The ordinary checks still apply to attested outputs.
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.L1BlockUnavailable.selector, block.number));
        oracle.proposeOutputAttested(root, 10, h, block.number, a);
        oracle.proposeOutputAttested(root, 10, h, n, a);
        vm.assertEq(oracle.outputCount(), 1, "accepted once");
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.InvalidL2BlockNumber.selector, 10, 11));
        oracle.proposeOutputAttested(root, 10, h, n, a);
    }

    function test_noStakeIsNoQuorum() public {
        enable();
        joinAll(0x3f, 0);
        (bytes32 h, uint256 n) = l1Block();
        Attestation memory a = attest(0x3f, 0x3f, oracle.outputMessageHash(keccak256("root"), 10, h));
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.QuorumNotReached.selector, 0, 0));
        oracle.proposeOutputAttested(keccak256("root"), 10, h, n, a);
    }

    function test_quorumFractionIsConfigurable() public {
        OutputOracle half = new OutputOracle(ADMIN, PROPOSER, CHALLENGER, GENESIS, WINDOW);
        vm.prank(ADMIN);
        half.enableAttestation(registry, L2_CHAIN_ID, WINDOW_BLOCKS, 1, 2);
        joinAll(0x3f, 10);
        (bytes32 h, uint256 n) = l1Block();
        bytes32 m = half.outputMessageHash(keccak256("root"), 10, h);
        // Three of six: half the stake, enough for 1/2 (never for 2/3).
        Attestation memory a = attest(0x07, 0x3f, m);
        vm.assertEq(half.proposeOutputAttested(keccak256("root"), 10, h, n, a), 0, "accepted at 1/2");
    }
}
