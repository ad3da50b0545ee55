# Operations: install, the managed (v2) Docker plugin, the doctor's unit test.
#   make install [PREFIX=/usr/local] [DESTDIR=]   daemon, Docker discovery spec, systemd units, man page
#   make uninstall                                 the same files removed
#   make managed-plugin                            build/managed-plugin: config.json + rootfs for
#                                                  `docker plugin create sriov build/managed-plugin`
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
MANDIR        ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DOCKERPLUGINDIR ?= /etc/docker/plugins
MANAGED_DIR   ?= $(BUILD)/managed-plugin

.PHONY: uninstall
install: $(BUILD)/sriov-plugin plugin.json packaging/systemd/sriov-plugin.socket \
	 packaging/systemd/sriov-plugin.service.in packaging/sriov-plugin.8
	install -D -m 0755 $(BUILD)/sriov-plugin $(DESTDIR)$(SBINDIR)/sriov-plugin
	install -D -m 0644 plugin.json $(DESTDIR)$(DOCKERPLUGINDIR)/sriov.json
	install -D -m 0644 packaging/systemd/sriov-plugin.socket $(DESTDIR)$(SYSTEMDUNITDIR)/sriov-plugin.socket
	@mkdir -p $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' packaging/systemd/sriov-plugin.service.in \
	  > $(DESTDIR)$(SYSTEMDUNITDIR)/sriov-plugin.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/sriov-plugin.service
	install -D -m 0644 packaging/sriov-plugin.8 $(DESTDIR)$(MANDIR)/man8/sriov-plugin.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sriov-plugin $(DESTDIR)$(DOCKERPLUGINDIR)/sriov.json \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/sriov-plugin.socket $(DESTDIR)$(SYSTEMDUNITDIR)/sriov-plugin.service \
	  $(DESTDIR)$(MANDIR)/man8/sriov-plugin.8

managed-plugin: $(BUILD)/sriov-plugin packaging/managed/config.json packaging/managed/build-plugin-dir.sh
	bash packaging/managed/build-plugin-dir.sh $(BUILD)/sriov-plugin packaging/managed/config.json $(MANAGED_DIR)
