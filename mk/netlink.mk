# netlink layer extras: the VF test tool and a valgrind run of its unit tests.
#   make nlk-vf-tool        build/nlk-vf-tool (used in the SR-IOV guest)
#   make valgrind-netlink   the netlink unit tests under valgrind (needs root for test_netlink)
.PHONY: nlk-vf-tool valgrind-netlink
all: $(BUILD)/nlk-vf-tool

nlk-vf-tool: $(BUILD)/nlk-vf-tool

$(BUILD)/nlk-vf-tool: tests/tools/nlk-vf-tool.c netlink/nlk.h $(BUILD)/libsriov.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libsriov.a $(LDLIBS_ALL)

NETLINK_TESTS := $(BUILD)/tests/test_mac $(BUILD)/tests/test_netlink_vf_msg $(BUILD)/tests/test_netlink
valgrind-netlink: $(NETLINK_TESTS)
	@set -e; for t in $(NETLINK_TESTS); do \
	  valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	    --child-silent-after-fork=yes --suppressions=tests/unit/test_netlink.supp --error-exitcode=3 $$t; \
	done
