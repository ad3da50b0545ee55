# Debian package: build/deb/sriov-plugin_<version>_<arch>.deb and the source package, built with
# dpkg-buildpackage + debhelper from a copy of the tracked sources (nothing is written outside build/).
#   make deb                          the version of debian/changelog
#   make deb DEB_VERSION=0.1.0+up1    the same sources with a newer changelog entry (upgrade tests)
#   make deb-lint                     lintian on what `make deb` built; any error or warning fails
#   make unit-exposure                systemd-analyze security of the unit the .deb installs (<= 4.0)
#   make check-guest-systemd          the package on a guest booted with systemd (tests/testbed/t-systemd.sh)
DEB_DIR     ?= $(BUILD)/deb
DEB_VERSION ?=

.PHONY: deb deb-lint
deb:
	@bash scripts/build-deb.sh "$(DEB_DIR)" "$(DEB_VERSION)"

deb-lint: deb
	@bash scripts/lint-deb.sh "$(DEB_DIR)"

# The package as an operator meets it, on a guest that boots with systemd (tests/testbed/t-systemd.sh,
# TESTBED_INIT=systemd): installed with dpkg -i before the first boot, its units enabled the Debian
# way, the Kata guide's commands, kill -9 and stop under systemd, a reboot, an upgrade to a rebuilt
# package with a higher version while containers run, remove, purge. First: lintian, and the
# service's exposure as installed (systemd-analyze security --offline, at most 4.0).
DEB_UPGRADE_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)+upgrade1
DEB_OLD = $(abspath $(DEB_DIR))/sriov-plugin_$(shell dpkg-parsechangelog -S Version 2>/dev/null)_$(shell dpkg --print-architecture).deb
.PHONY: check-deb check-guest-systemd unit-exposure
unit-exposure: deb
	@bash scripts/unit-exposure.sh "$(DEB_OLD)" 4.0

check-guest-systemd: deb-lint unit-exposure testbed-setup
	@bash scripts/build-deb.sh "$(DEB_DIR)" "$(DEB_UPGRADE_VERSION)"
	TESTBED_INIT=systemd TESTBED_IOMMU=1 TESTBED_TIMEOUT=$${TESTBED_TIMEOUT:-2700} TESTBED_DEB="$(DEB_OLD)" \
	  $(TESTBED_RUN) tests/testbed/t-systemd.sh "$$(dpkg-parsechangelog -S Version)" "$(DEB_UPGRADE_VERSION)"

# the same (kept as the name older notes use)
check-deb: check-guest-systemd
