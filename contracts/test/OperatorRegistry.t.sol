// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManagerView} from "../src/interfaces/IAllocationManagerView.sol";
import {Bn254} from "../src/lib/Bn254.sol";
import {OperatorRegistry} from "../src/OperatorRegistry.sol";
import {BlsFixture} from "./utils/BlsFixture.sol";

contract OperatorRegistryTest is BlsFixture {
    event OperatorRegistered(
        address indexed operator, bytes32 indexed keyHash, Bn254.G1Point pubkeyG1, Bn254.G2Point pubkeyG2
    );
    event OperatorDeregistered(address indexed operator, bytes32 indexed keyHash, address byCaller);

    function setUp() public {
        setUpBls();
    }

    function assertApk(uint256 mask) internal view {
        Bn254.G1Point memory want;
        for (uint256 i = 0; i < 8; ++i) {
            if ((mask >> i) & 1 == 1) want = Bn254.add(want, pkG1(i));
        }
        Bn254.G1Point memory got = registry.apk();
        vm.assertEq(got.x, want.x, "apk.x");
        vm.assertEq(got.y, want.y, "apk.y");
    }

    function test_constructorRejectsZeroAddresses() public {
        vm.expectRevert(OperatorRegistry.ZeroAddress.selector);
        new OperatorRegistry(IAllocationManagerView(address(0)), AVS, SET_ID);
        vm.expectRevert(OperatorRegistry.ZeroAddress.selector);
        new OperatorRegistry(am, address(0), SET_ID);
        IAllocationManagerView.OperatorSet memory s = registry.operatorSet();
        vm.assertEq(s.avs, AVS, "avs");
        vm.assertEq(uint256(s.id), SET_ID, "id");
    }

    function test_registerRecordsKeyAndAggregate() public {
        address op = operatorAddr(0);
        am.setMember(op, true);
        bytes32 kh = Bn254.hashG1(pkG1(0));
        Bn254.G1Point memory pop = popOf(0, op);
        vm.expectEmit(true, true, false, true, address(registry));
        emit OperatorRegistered(op, kh, pkG1(0), pkG2(0));
        vm.prank(op);
        registry.register(pkG1(0), pkG2(0), pop);
        join(1, 1);
        assertApk(0x03);
        vm.assertEq(registry.operatorCount(), 2, "count");
        (bytes32 got, Bn254.G1Point memory key) = registry.registrationOf(op);
        vm.assertEq(got, kh, "key hash");
        vm.assertEq(key.x, pkG1(0).x, "key");
        vm.assertEq(registry.keyOwner(kh), op, "owner");
    }

    /// The whole proof of possession made by TypeScript (bn254Bls.proofOfPossession) for a fixed
    /// registry address and operator: the registry's message and check agree with it.
    function test_acceptsTypeScriptProofOfPossession() public {
        address at = vm.parseJsonAddress(bls, ".pop.registry");
        address op = vm.parseJsonAddress(bls, ".pop.operator");
        vm.assertEq(block.chainid, word(".pop.chainId"), "chain id");
        vmBls.etch(at, address(registry).code);
        OperatorRegistry r = OperatorRegistry(at);
        vm.assertEq(r.registrationMessageHash(op), vm.parseJsonBytes32(bls, ".pop.messageHash"), "message");
        uint256 i = vm.parseJsonUint(bls, ".pop.operatorIndex");
        // The same proof from another operator address is no proof at all.
        am.setMember(operatorAddr(5), true);
        vm.expectRevert(OperatorRegistry.InvalidProofOfPossession.selector);
        vm.prank(operatorAddr(5));
        r.register(pkG1(i), pkG2(i), g1At(".pop.signature"));
        am.setMember(op, true);
        vm.prank(op);
        r.register(pkG1(i), pkG2(i), g1At(".pop.signature"));
        vm.assertEq(r.operatorCount(), 1, "registered");
    }

    function test_rejectsBadProofOfPossession() public {
        address op = operatorAddr(0);
        am.setMember(op, true);
        OperatorRegistry other = new OperatorRegistry(am, AVS, SET_ID + 1);
        Bn254.G1Point[5] memory bad = [
            // Signed for another operator (a replayed registration).
            popOf(0, operatorAddr(1)),
            // Signed by another key.
            popOf(1, op),
            // Valid for key 1's G2 half, sent with key 0's G1 half (a G1/G2 mismatch).
            popOf(1, op),
            // Tampered.
            Bn254.add(popOf(0, op), Bn254.g1()),
            // Over another registry's message.
            signWith(0, other.registrationMessageHash(op))
        ];
        Bn254.G2Point memory g2 = pkG2(0);
        Bn254.G1Point memory g1 = pkG1(0);
        for (uint256 k = 0; k < bad.length; ++k) {
            Bn254.G2Point memory key2 = k == 2 ? pkG2(1) : g2;
            vm.expectRevert(OperatorRegistry.InvalidProofOfPossession.selector);
            vm.prank(op);
            registry.register(g1, key2, bad[k]);
        }
        vm.assertEq(registry.operatorCount(), 0, "nothing registered");
        Bn254.G1Point memory good = popOf(0, op);
        vm.prank(op);
        registry.register(g1, g2, good);
        vm.assertEq(registry.operatorCount(), 1, "the real proof registers");
    }

    function test_rejectsNonMember() public {
        address op = operatorAddr(0);
        Bn254.G1Point memory pop = popOf(0, op);
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.NotOperatorSetMember.selector, op));
        vm.prank(op);
        registry.register(pkG1(0), pkG2(0), pop);
    }

    function test_rejectsDuplicateKeyAndSecondRegistration() public {
        join(0, 1);
        address op = operatorAddr(0);
        Bn254.G1Point memory pop1 = popOf(1, op);
        Bn254.G1Point memory popOwn = popOf(0, op);
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.AlreadyRegistered.selector, op));
        vm.prank(op);
        registry.register(pkG1(1), pkG2(1), pop1);
        // Operator 3 holds key 0's secret too, with a valid proof for itself: the key is taken.
        address other = operatorAddr(3);
        am.setMember(other, true);
        Bn254.G1Point memory pop0 = popOf(0, other);
        bytes32 kh = Bn254.hashG1(pkG1(0));
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.KeyAlreadyRegistered.selector, kh, op));
        vm.prank(other);
        registry.register(pkG1(0), pkG2(0), pop0);
        // Still taken after its owner deregistered; the owner itself may take it back.
        vm.prank(op);
        registry.deregister();
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.KeyAlreadyRegistered.selector, kh, op));
        vm.prank(other);
        registry.register(pkG1(0), pkG2(0), pop0);
        vm.prank(op);
        registry.register(pkG1(0), pkG2(0), popOwn);
        assertApk(0x01);
    }

    function test_rejectsZeroAndOffCurveKeys() public {
        address op = operatorAddr(0);
        am.setMember(op, true);
        vm.expectRevert(OperatorRegistry.ZeroKey.selector);
        vm.prank(op);
        registry.register(Bn254.G1Point(0, 0), pkG2(0), Bn254.G1Point(0, 0));
        Bn254.G1Point memory pop = popOf(0, op);
        vm.expectRevert(Bn254.InvalidPoint.selector);
        vm.prank(op);
        registry.register{gas: 2_000_000}(Bn254.G1Point(1, 3), pkG2(0), pop);
    }

    function test_deregisterRemovesFromAggregate() public {
        join(0, 1);
        join(1, 1);
        join(2, 1);
        assertApk(0x07);
        bytes32 kh = Bn254.hashG1(pkG1(1));
        vm.expectEmit(true, true, false, true, address(registry));
        emit OperatorDeregistered(operatorAddr(1), kh, operatorAddr(1));
        vm.prank(operatorAddr(1));
        registry.deregister();
        assertApk(0x05);
        vm.assertEq(registry.operatorCount(), 2, "count");
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.NotRegistered.selector, operatorAddr(1)));
        vm.prank(operatorAddr(1));
        registry.deregister();
        vm.prank(operatorAddr(0));
        registry.deregister();
        vm.prank(operatorAddr(2));
        registry.deregister();
        assertApk(0);
    }

    function test_anyoneRemovesALeaver() public {
        join(0, 1);
        join(1, 1);
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.StillOperatorSetMember.selector, operatorAddr(0)));
        vm.prank(USER_ANY);
        registry.deregisterNonMember(operatorAddr(0));
        am.setMember(operatorAddr(0), false);
        vm.expectEmit(true, true, false, true, address(registry));
        emit OperatorDeregistered(operatorAddr(0), Bn254.hashG1(pkG1(0)), USER_ANY);
        vm.prank(USER_ANY);
        registry.deregisterNonMember(operatorAddr(0));
        assertApk(0x02);
        vm.expectRevert(abi.encodeWithSelector(OperatorRegistry.NotRegistered.selector, operatorAddr(5)));
        registry.deregisterNonMember(operatorAddr(5));
    }

    function test_batchViews() public {
        join(0, 1);
        join(2, 1);
        address[] memory ops = new address[](3);
        ops[0] = operatorAddr(0);
        ops[1] = operatorAddr(1);
        ops[2] = operatorAddr(2);
        bytes32[] memory hs = registry.keyHashesOf(ops);
        vm.assertEq(hs[0], Bn254.hashG1(pkG1(0)), "0");
        vm.assertEq(hs[1], bytes32(0), "1 has none");
        vm.assertEq(hs[2], Bn254.hashG1(pkG1(2)), "2");
        bytes32[] memory q = new bytes32[](2);
        q[0] = hs[0];
        q[1] = hs[2];
        vm.assertTrue(registry.allRegistered(q), "both");
        vm.prank(operatorAddr(2));
        registry.deregister();
        vm.assertFalse(registry.allRegistered(q), "2 left");
        q[1] = Bn254.hashG1(pkG1(1));
        vm.assertFalse(registry.allRegistered(q), "never registered");
    }

    address internal constant USER_ANY = address(0xD00D);
}
