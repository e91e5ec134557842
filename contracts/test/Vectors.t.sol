// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OutputRootProof} from "../src/lib/OutputRootLib.sol";
import {Withdrawal} from "../src/lib/WithdrawalLib.sol";
import {Fixture} from "./utils/Fixture.sol";
import {SmtHarness} from "./utils/SmtHarness.sol";

/// @notice The Solidity libraries against the TypeScript implementation's golden vectors, and
///         fuzzed mutations of valid proofs.
contract VectorsTest is Fixture {
    SmtHarness internal h;

    struct SmtCase {
        bytes32 root;
        bytes32 key;
        bytes32 valueHash;
        bool inclusion;
        bytes proof;
        bool valid;
    }

    // Parsed once in setUp (a fuzz test's runs share it): parsing the JSON per run is the slow part.
    SmtCase[] internal cases;
    uint256[] internal validCases;

    function setUp() public {
        deployAll();
        h = new SmtHarness();
        uint256 n = vm.parseJsonUint(vectors, ".smtCount");
        for (uint256 i = 0; i < n; i++) {
            cases.push(smtCase(i));
            if (cases[i].valid) validCases.push(i);
        }
    }

    function smtCase(uint256 i) internal view returns (SmtCase memory c) {
        string memory p = string.concat(".smt[", vm.toString(i), "]");
        c.root = vm.parseJsonBytes32(vectors, string.concat(p, ".root"));
        c.key = vm.parseJsonBytes32(vectors, string.concat(p, ".key"));
        c.valueHash = vm.parseJsonBytes32(vectors, string.concat(p, ".valueHash"));
        c.inclusion = vm.parseJsonBool(vectors, string.concat(p, ".inclusion"));
        c.proof = vm.parseJsonBytes(vectors, string.concat(p, ".proof"));
        c.valid = vm.parseJsonBool(vectors, string.concat(p, ".valid"));
    }

    function test_outputRootsMatchTypeScript() public view {
        uint256 n = vm.parseJsonUint(vectors, ".outputRootCount");
        vm.assertTrue(n >= 3, "vectors");
        for (uint256 i = 0; i < n; i++) {
            string memory p = string.concat(".outputRoots[", vm.toString(i), "]");
            OutputRootProof memory o = OutputRootProof({
                stateRoot: vm.parseJsonBytes32(vectors, string.concat(p, ".stateRoot")),
                withdrawalsRoot: vm.parseJsonBytes32(vectors, string.concat(p, ".withdrawalsRoot")),
                l2BlockHash: vm.parseJsonBytes32(vectors, string.concat(p, ".l2BlockHash"))
            });
            vm.assertEq(h.outputRoot(o), vm.parseJsonBytes32(vectors, string.concat(p, ".outputRoot")), p);
        }
    }

    function test_withdrawalKeysAndLeavesMatchTypeScript() public view {
        string[3] memory trees = ["bigTree", "honestTree", "forgedTree"];
        for (uint256 t = 0; t < 3; t++) {
            uint256 n = vm.parseJsonUint(vectors, string.concat(".", trees[t], ".itemCount"));
            for (uint256 i = 0; i < n; i++) {
                Withdrawal memory w = treeWithdrawal(trees[t], i);
                string memory p = item(trees[t], i);
                vm.assertEq(h.withdrawalKey(w.index), vm.parseJsonBytes32(vectors, string.concat(p, ".key")), p);
                vm.assertEq(h.withdrawalLeaf(w), vm.parseJsonBytes32(vectors, string.concat(p, ".leafHash")), p);
            }
        }
    }

    function test_withdrawalTreeProofsVerify() public view {
        checkTree("bigTree");
        checkTree("honestTree");
        checkTree("forgedTree");
    }

    function checkTree(string memory tree) internal view {
        bytes32 root = treePreimage(tree).withdrawalsRoot;
        vm.assertEq(h.outputRoot(treePreimage(tree)), treeOutputRoot(tree), tree);
        uint256 n = vm.parseJsonUint(vectors, string.concat(".", tree, ".itemCount"));
        for (uint256 i = 0; i < n; i++) {
            string memory p = item(tree, i);
            bytes32 key = vm.parseJsonBytes32(vectors, string.concat(p, ".key"));
            bytes32 leaf = vm.parseJsonBytes32(vectors, string.concat(p, ".leafHash"));
            bytes memory proof = treeProof(tree, i);
            vm.assertTrue(h.verify(root, key, leaf, true, proof), p);
            // The same proof never proves absence.
            vm.assertFalse(h.verify(root, key, bytes32(0), false, proof), p);
        }
    }

    /// Every SMT case (edge depths, both exclusion kinds, malformed encodings) gets the TypeScript
    /// verifier's answer.
    function test_smtCasesMatchTypeScript() public view {
        uint256 n = cases.length;
        vm.assertTrue(n >= 20, "vectors");
        uint256 valid;
        for (uint256 i = 0; i < n; i++) {
            SmtCase memory c = cases[i];
            string memory name = vm.parseJsonString(vectors, string.concat(".smt[", vm.toString(i), "].name"));
            vm.assertEq(h.verify(c.root, c.key, c.valueHash, c.inclusion, c.proof), c.valid, name);
            if (c.valid) valid++;
        }
        vm.assertTrue(valid >= 8 && valid < n, "both valid and invalid cases");
    }

    /// Any one-byte change to a valid proof is rejected.
    function testFuzz_mutatedProofRejected(uint256 which, uint256 pos, uint8 mask) public view {
        vm.assume(mask != 0);
        SmtCase memory c = validCase(which);
        pos = bound(pos, 0, c.proof.length - 1);
        c.proof[pos] = bytes1(uint8(c.proof[pos]) ^ mask);
        vm.assertFalse(h.verify(c.root, c.key, c.valueHash, c.inclusion, c.proof), "mutated proof verified");
    }

    /// A valid proof with bytes appended or cut off is rejected.
    function testFuzz_resizedProofRejected(uint256 which, uint256 cut, bytes calldata extra) public view {
        SmtCase memory c = validCase(which);
        if (extra.length > 0) {
            vm.assertFalse(h.verify(c.root, c.key, c.valueHash, c.inclusion, bytes.concat(c.proof, extra)), "longer");
        }
        cut = bound(cut, 1, c.proof.length);
        bytes memory shorter = new bytes(c.proof.length - cut);
        for (uint256 i = 0; i < shorter.length; i++) shorter[i] = c.proof[i];
        vm.assertFalse(h.verify(c.root, c.key, c.valueHash, c.inclusion, shorter), "shorter");
    }

    /// A valid proof proves nothing about another key or another value. (An exclusion proof does
    /// prove absence for every key on the same path prefix, so its other key differs within the
    /// first `depth` bits.)
    function testFuzz_otherKeyOrValueRejected(uint256 which, bytes32 mask, uint256 bit, bytes32 value)
        public
        view
    {
        SmtCase memory c = validCase(which);
        uint256 depth = (uint256(uint8(c.proof[1])) << 8) | uint8(c.proof[2]);
        if (c.inclusion) {
            vm.assume(mask != bytes32(0));
        } else {
            vm.assume(depth > 0);
            mask |= bytes32(uint256(1) << (255 - bound(bit, 0, depth - 1)));
        }
        vm.assertFalse(h.verify(c.root, c.key ^ mask, c.valueHash, c.inclusion, c.proof), "other key");
        if (c.inclusion) {
            vm.assume(value != c.valueHash);
            vm.assertFalse(h.verify(c.root, c.key, value, true, c.proof), "other value");
        }
    }

    /// Arbitrary bytes never verify against an arbitrary root, and never revert.
    function testFuzz_arbitraryBytesNeverVerify(bytes32 root, bytes32 key, bytes32 value, bytes calldata proof)
        public
        view
    {
        vm.assume(root != bytes32(0)); // (an empty-tree exclusion is a true statement)
        vm.assertFalse(h.verify(root, key, value, true, proof), "inclusion");
        vm.assertFalse(h.verify(root, key, value, false, proof), "exclusion");
    }

    function validCase(uint256 which) internal view returns (SmtCase memory) {
        return cases[validCases[which % validCases.length]];
    }
}
