# iamtailor — every set-up step lives here so that a fresh clone needs only
# `make demo` and `make test`.

SHELL      := /bin/bash
GO         ?= go
BIN        := bin/iamtailor
TOOLS      := $(CURDIR)/.tools
NODE_DIR   := testdata/node
VERSITYGW  := $(TOOLS)/bin/versitygw
STATICCHECK:= $(TOOLS)/bin/staticcheck
CHROMIUM   := /usr/bin/chromium
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -X main.version=$(VERSION)
# Seconds each fuzz target runs during `make test`.
FUZZTIME   ?= 5s

export IAMTAILOR_TOOLS := $(TOOLS)
export PATH := $(TOOLS)/bin:$(PATH)

.PHONY: build test demo lint golden bench catalog tools clean fuzz

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/iamtailor

# Tools the tests use, installed once into .tools/ and testdata/node/, and
# Chromium (Debian's package) for the report.html check.
tools: $(VERSITYGW) $(NODE_DIR)/node_modules/.installed $(CHROMIUM)

$(VERSITYGW):
	GOBIN=$(TOOLS)/bin $(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0

$(STATICCHECK):
	GOBIN=$(TOOLS)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

$(CHROMIUM):
	apt-get update && apt-get install -y --no-install-recommends chromium

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: tools
	$(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz

# Brief runs of every fuzz target; the corpora are their seeds.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg >/dev/null; \
	  done; \
	done

demo: build
	./scripts/demo.sh

lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Rewrites golden files; review every changed file by eye before committing.
golden:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' 'flag.Bool("update"' . | xargs -n1 dirname | sort -u); do \
	  $(GO) test -count=1 $$pkg -update; \
	done
	@git status --short -- '*.golden' '**/testdata/**'

bench: build
	./scripts/bench.sh

catalog:
	./analyze/catalog/gen/generate.sh

clean:
	rm -rf bin
