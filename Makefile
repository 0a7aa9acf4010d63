# Front door of gender_metrics. Every target bootstraps .venv itself (only python3 and make needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?=

.PHONY: reports reports-so-ket test bench lab sample forms ingest clean lint browser office

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lab]'
	@# bytecode for the package's own modules (an editable install leaves them uncompiled, and with
	@# PYTHONDONTWRITEBYTECODE set every report kernel would compile them again)
	@$(BIN)/python -m compileall -q gender_metrics
	@touch $(STAMP)

## reports: ingest the bundled sample forms and render every report into reports/
reports: $(STAMP) browser
	$(BIN)/gender-metrics ingest --raw data/raw --processed data/processed
	$(BIN)/gender-metrics packet --processed data/processed --out reports/packet.xlsx
	$(BIN)/gender-metrics document --processed data/processed --out reports/summary-report.docx
	$(BIN)/gender-metrics brief --processed data/processed --out reports/brief.html
	$(BIN)/gender-metrics run --processed data/processed --out reports $(if $(JOBS),--jobs $(JOBS))
	@echo "Open: $(CURDIR)/reports/index.html (conference packet: $(CURDIR)/reports/packet.xlsx)"

## reports-so-ket: the 2021-2025 mid-term review on the 2025 tree, from its SAMPLE forms (generated, not
## committed), with the former districts' 2011-2020 series read from data/processed
SOKET := so-ket-2021-2025
reports-so-ket: $(STAMP)
	$(BIN)/gender-metrics ingest --raw data/raw --processed data/processed
	$(BIN)/gender-metrics sample --review $(SOKET) --out data/raw-$(SOKET)
	$(BIN)/gender-metrics ingest --review $(SOKET) --raw data/raw-$(SOKET) --processed data/processed-$(SOKET)
	$(BIN)/gender-metrics run --review $(SOKET) --processed data/processed-$(SOKET) --out reports/$(SOKET) \
		--context-processed data/processed $(if $(JOBS),--jobs $(JOBS))
	@echo "Open: $(CURDIR)/reports/$(SOKET)/index.html"

## test: the whole test suite (installs Debian's chromium, LibreOffice and poppler-utils when missing)
test: $(STAMP) browser office
	$(BIN)/python -m pytest -q

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# LibreOffice (headless) writes .xls/.ods forms in the tests and converts documents to PDF; poppler renders PDF pages
office:
	@{ command -v soffice && command -v pdftoppm; } >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils; }

## bench: benchmarks (medians, against the naive way in the same run)
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## lab: JupyterLab on the notebooks, with the project's kernel
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## sample: regenerate the SAMPLE forms in data/raw (deterministic)
sample: $(STAMP)
	$(BIN)/gender-metrics sample --out data/raw

lint: $(STAMP)
	$(BIN)/ruff check gender_metrics tests benchmarks

clean:
	rm -rf reports data/processed data/processed-* data/raw-so-ket-*
