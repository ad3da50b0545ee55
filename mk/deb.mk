# Debian package: build/deb/sriov-plugin_<version>_<arch>.deb and the source package, built with
# dpkg-buildpackage + debhelper from a copy of the tracked sources (nothing is written outside build/).
#   make deb                          the version of debian/changelog
#   make deb DEB_VERSION=0.1.0+up1    the same sources with a newer changelog entry (upgrade tests)
#   make deb-lint                     lintian on what `make deb` built; any error or warning fails
DEB_DIR     ?= $(BUILD)/deb
DEB_VERSION ?=

.PHONY: deb deb-lint
deb:
	@bash scripts/build-deb.sh "$(DEB_DIR)" "$(DEB_VERSION)"

deb-lint: deb
	@bash scripts/lint-deb.sh "$(DEB_DIR)"

# The guest suite: install, run the Kata guide's commands, upgrade to a rebuilt package with a
# higher version while containers run, remove, purge (tests/testbed/t-deb.sh).
DEB_UPGRADE_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)+upgrade1
.PHONY: check-deb
check-deb: deb-lint testbed-setup
	@bash scripts/build-deb.sh "$(DEB_DIR)" "$(DEB_UPGRADE_VERSION)"
	$(TESTBED_RUN) tests/testbed/t-deb.sh "$$(dpkg-parsechangelog -S Version)" "$(DEB_UPGRADE_VERSION)"
