// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {InvalidComputeProof} from "../../src/fraud/InvalidComputeProof.sol";
import {OutputRootProof} from "../../src/lib/OutputRootLib.sol";
import {FraudFixture} from "./FraudVectors.t.sol";

/// @notice The whole invalid-compute proof on the tiny-tier cases of test/vectors/fraudCases.ts: a
///         cheating reveal proves; an honest reveal, a FAILED record and every broken piece do not,
///         each with the error naming its step.
contract InvalidComputeProofTest is FraudFixture {
    InvalidComputeProof internal verifier;

    function setUp() public {
        loadVectors();
        InvalidComputeProof.TierConfig[] memory tiers = new InvalidComputeProof.TierConfig[](4);
        tiers[0] = InvalidComputeProof.TierConfig({id: 100, n: 16, m: 2, k: 8});
        tiers[1] = InvalidComputeProof.TierConfig({id: 1, n: 2048, m: 4, k: 32});
        tiers[2] = InvalidComputeProof.TierConfig({id: 16, n: 16384, m: 4, k: 64});
        tiers[3] = InvalidComputeProof.TierConfig({id: 32, n: 32768, m: 4, k: 64});
        verifier = new InvalidComputeProof(
            uint64(vm.parseJsonUint(fv, ".l2ChainId")),
            vm.parseJsonBytes(fv, ".beacon.publicKey"),
            uint64(vm.parseJsonUint(fv, ".beacon.genesisTime")),
            uint64(vm.parseJsonUint(fv, ".beacon.period")),
            tiers
        );
    }

    function claim(string memory name) internal view returns (InvalidComputeProof.Claim memory c) {
        string memory p = string.concat(".", name, ".");
        c.outputRoot = vm.parseJsonBytes32(fv, string.concat(p, "outputRoot"));
        c.preimage = OutputRootProof({
            stateRoot: vm.parseJsonBytes32(fv, string.concat(p, "preimage.stateRoot")),
            withdrawalsRoot: vm.parseJsonBytes32(fv, string.concat(p, "preimage.withdrawalsRoot")),
            l2BlockHash: vm.parseJsonBytes32(fv, string.concat(p, "preimage.l2BlockHash"))
        });
        c.record = vm.parseJsonBytes(fv, string.concat(p, "record"));
        c.recordProof = vm.parseJsonBytes(fv, string.concat(p, "recordProof"));
        c.beaconY = vm.parseJsonBytes(fv, string.concat(p, "beaconY"));
        c.tiles = vm.parseJsonBytes(fv, string.concat(p, "tiles"));
        c.proof = vm.parseJsonBytes(fv, string.concat(p, "proof"));
        c.sampleIndex = vm.parseJsonUint(fv, string.concat(p, "sampleIndex"));
    }

    function test_cheatingRevealProves() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        (bytes32 key, address node) = verifier.verifyInvalidCompute(c);
        vm.snapshotGasLastCall("verifyInvalidCompute tiny");
        vm.assertEq(key, sha256(abi.encodePacked(uint8(3), uint64(7))), "record key");
        vm.assertEq(node, address(0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa), "node");
    }

    function test_onlySamplesOfTheChangedEntryProve() public view {
        InvalidComputeProof.Claim memory c = claim("cheating");
        uint256[] memory failing = vmf.parseJsonUintArray(fv, ".failingSamples");
        vm.assertTrue(failing.length >= 1, "vectors");
        for (uint256 s = 0; s < 8; s++) {
            c.sampleIndex = s;
            bool expectProof = false;
            for (uint256 i = 0; i < failing.length; i++) if (failing[i] == s) expectProof = true;
            try verifier.verifyInvalidCompute(c) {
                vm.assertTrue(expectProof, "a right sample proved fraud");
            } catch (bytes memory err) {
                vm.assertFalse(expectProof, "the changed entry did not prove");
                vm.assertEq(bytes4(err), InvalidComputeProof.SampleCorrect.selector, "SampleCorrect");
            }
        }
    }

    function test_honestRevealNeverProves() public view {
        InvalidComputeProof.Claim memory c = claim("honest");
        for (uint256 s = 0; s < 8; s++) {
            c.sampleIndex = s;
            try verifier.verifyInvalidCompute(c) {
                vm.assertTrue(false, "an honest reveal proved fraud");
            } catch (bytes memory err) {
                vm.assertEq(bytes4(err), InvalidComputeProof.SampleCorrect.selector, "SampleCorrect");
            }
        }
    }

    function test_failedRecordDoesNotProve() public {
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.RecordNotPassed.selector, uint8(6)));
        verifier.verifyInvalidCompute(claim("failed"));
    }

    function test_openingsThatDoNotOpenTheRootDoNotProve() public {
        try verifier.verifyInvalidCompute(claim("unopened")) {
            vm.assertTrue(false, "openings of another root proved fraud");
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            vm.assertTrue(
                sel == InvalidComputeProof.MultiproofRootMismatch.selector
                    || sel == InvalidComputeProof.OpeningsMalformed.selector,
                "multiproof step"
            );
        }
    }

    function test_wrongDigestDoesNotProve() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        c.tiles[3] = c.tiles[3] ^ 0x01;
        vm.expectRevert(InvalidComputeProof.OpeningsDigestMismatch.selector);
        verifier.verifyInvalidCompute(c);
        c = claim("cheating");
        c.proof = bytes.concat(c.proof, bytes32(0));
        vm.expectRevert(InvalidComputeProof.OpeningsDigestMismatch.selector);
        verifier.verifyInvalidCompute(c);
    }

    function test_badBeaconSignatureDoesNotProve() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        bytes memory y3 = vm.parseJsonBytes(fv, ".beacon.rounds[2].y");
        // r1's y replaced by another point's (round 3): not the record's signature.
        for (uint256 i = 0; i < 48; i++) c.beaconY[i] = y3[i];
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.BeaconSignatureInvalid.selector, uint64(1)));
        verifier.verifyInvalidCompute(c);
        c = claim("cheating");
        for (uint256 i = 0; i < 48; i++) c.beaconY[48 + i] = y3[i];
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.BeaconSignatureInvalid.selector, uint64(2)));
        verifier.verifyInvalidCompute(c);
    }

    function test_wrongRecordProofDoesNotProve() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        c.recordProof[c.recordProof.length - 1] = c.recordProof[c.recordProof.length - 1] ^ 0x01;
        vm.expectRevert(InvalidComputeProof.RecordNotProven.selector);
        verifier.verifyInvalidCompute(c);
        // The honest record's proof for the cheating record.
        c = claim("cheating");
        c.recordProof = claim("honest").recordProof;
        vm.expectRevert(InvalidComputeProof.RecordNotProven.selector);
        verifier.verifyInvalidCompute(c);
        // A record changed after it was proven (status byte of a PASSED record left alone; credits changed).
        c = claim("cheating");
        c.record[c.record.length - 3] = c.record[c.record.length - 3] ^ 0x01;
        vm.expectRevert();
        verifier.verifyInvalidCompute(c);
    }

    function test_wrongOutputRootDoesNotProve() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        c.preimage.l2BlockHash = bytes32(uint256(c.preimage.l2BlockHash) ^ 1);
        vm.expectRevert(InvalidComputeProof.OutputRootMismatch.selector);
        verifier.verifyInvalidCompute(c);
    }

    function test_sampleIndexOutOfRange() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        c.sampleIndex = 8;
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.SampleIndexOutOfRange.selector, 8, 8));
        verifier.verifyInvalidCompute(c);
    }

    function test_malformedRecord() public {
        InvalidComputeProof.Claim memory c = claim("cheating");
        c.record = bytes.concat(c.record, hex"08");
        vm.expectRevert(InvalidComputeProof.RecordMalformed.selector);
        verifier.verifyInvalidCompute(c);
    }

    function test_tierConfigIsChecked() public {
        InvalidComputeProof.TierConfig[] memory tiers = new InvalidComputeProof.TierConfig[](1);
        tiers[0] = InvalidComputeProof.TierConfig({id: 5, n: 24, m: 1, k: 8});
        bytes memory pk = vm.parseJsonBytes(fv, ".beacon.publicKey");
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.InvalidTierConfig.selector, uint32(5)));
        new InvalidComputeProof(1, pk, 0, 3, tiers);
        (uint256 n, uint256 m, uint256 k) = verifier.tierOf(32);
        vm.assertEq(n * 1000 + m * 100 + k, 32768 * 1000 + 400 + 64, "gpu-32k");
        vm.assertEq(keccak256(verifier.beaconPublicKey()), keccak256(pk), "public key");
    }
}
