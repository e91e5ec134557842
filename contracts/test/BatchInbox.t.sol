// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {BatchInbox} from "../src/BatchInbox.sol";
import {FlopsCredit} from "../src/FlopsCredit.sol";
import {Fixture} from "./utils/Fixture.sol";

contract BatchInboxTest is Fixture {
    event BatcherChanged(address indexed previousBatcher, address indexed newBatcher);

    function setUp() public {
        deployAll();
    }

    function test_batcherPosts() public {
        vm.prank(BATCHER);
        inbox.postBatch(hex"00deadbeef");
        vm.snapshotGasLastCall("postBatch_5_bytes");
    }

    function test_nonBatcherPostReverts() public {
        vm.expectRevert(abi.encodeWithSelector(BatchInbox.NotBatcher.selector, USER));
        vm.prank(USER);
        inbox.postBatch(hex"00deadbeef");
    }

    function test_emptyBatchReverts() public {
        vm.expectRevert(BatchInbox.EmptyBatch.selector);
        vm.prank(BATCHER);
        inbox.postBatch("");
    }

    function test_adminRotatesBatcher() public {
        vm.expectEmit(true, true, true, true, address(inbox));
        emit BatcherChanged(BATCHER, USER);
        vm.prank(ADMIN);
        inbox.setBatcher(USER);
        vm.expectRevert(abi.encodeWithSelector(BatchInbox.NotBatcher.selector, BATCHER));
        vm.prank(BATCHER);
        inbox.postBatch(hex"00");
        vm.prank(USER);
        inbox.postBatch(hex"00");
    }

    function test_setBatcherRevertPaths() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, BATCHER, bytes32(0))
        );
        vm.prank(BATCHER);
        inbox.setBatcher(USER);
        vm.expectRevert(BatchInbox.ZeroAddress.selector);
        vm.prank(ADMIN);
        inbox.setBatcher(address(0));
    }
}

contract FlopsCreditTest is Fixture {
    function setUp() public {
        deployAll();
    }

    function test_metadata() public view {
        vm.assertEq(uint256(credit.decimals()), 18, "decimals");
        vm.assertEq(credit.portal(), address(portal), "portal");
        vm.assertEq(credit.totalSupply(), 0, "supply");
    }

    function test_onlyPortalMintsAndBurns() public {
        vm.expectRevert(abi.encodeWithSelector(FlopsCredit.OnlyPortal.selector, ADMIN));
        vm.prank(ADMIN);
        credit.mint(USER, 1);
        vm.expectRevert(abi.encodeWithSelector(FlopsCredit.OnlyPortal.selector, USER));
        vm.prank(USER);
        credit.burn(USER, 1);
        vm.prank(address(portal));
        credit.mint(USER, 5);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, USER, 5, 6));
        vm.prank(address(portal));
        credit.burn(USER, 6);
    }
}
