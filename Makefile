# The commands people type. The scripts in scripts/ do the work.
VERSION := $(shell awk -F'"' '/^Version/ { print $$2 }' FyneApp.toml)

.PHONY: run test build windows msi linux macos screenshots dist clean

run: ## install what is missing, then build and start the console
	godir=$$(scripts/install-deps.sh) && PATH="$$godir:$$PATH" go run ./cmd/visitly-console

test: ## everything CI checks; SKIP_WINDOWS=1 skips the Windows cross-build
	scripts/test.sh

build: ## bin/visitly-scimd and bin/visitly-console for this machine
	go build -o bin/ ./cmd/visitly-scimd ./cmd/visitly-console

windows: ## dist/visitly-{console,scimd}-$(VERSION)-windows-amd64.exe and the console's .com (command line)
	scripts/build-windows.sh

msi: windows ## dist/Visitly-Console-$(VERSION)-x64.msi (per-user installer) and dist/visitly-scimd-$(VERSION)-windows-amd64.zip
	scripts/package-windows.sh

linux: ## dist/visitly-console-$(VERSION)-linux-amd64.tar.xz (fyne package: binary, .desktop entry, icon)
	scripts/package-linux.sh

macos: ## on a Mac: dist/Visitly-Console-$(VERSION)-macos-<arch>.dmg (fyne package: the .app; signed if MACOS_SIGN_IDENTITY is set)
	scripts/package-macos.sh

screenshots: ## the console's screens as PNGs: the real app at 1366x768 (docs/screenshots/1366), and full-length renders
	scripts/screenshots.sh
	scripts/with-session.sh go run ./cmd/screenshots

dist: windows msi linux ## release files in dist/: Linux and Windows builds, the MSI, with checksums
	CGO_ENABLED=0 go build -ldflags "-s -w -X main.version=$(VERSION)" \
		-o dist/visitly-scimd-$(VERSION)-linux-amd64 ./cmd/visitly-scimd
	cd dist && sha256sum *-$(VERSION)-* > SHA256SUMS-$(VERSION)

clean:
	rm -rf bin dist
