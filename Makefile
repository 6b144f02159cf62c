# Storyloom. The two commands a newcomer needs: `make demo` and `make test`.
# Both work on a fresh machine with Python 3.11 and make; they create their own venvs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENVS := .venvs
# One bpy per venv (and per process): Blender 5.0 and 4.5 LTS.
BPY_VERSIONS := 5.0.1 4.5.4
BLENDER_PY := $(VENVS)/bpy-5.0.1/bin/python
DEV_PY := $(VENVS)/dev/bin/python
PIN_PYTEST := pytest==9.2.0
PIN_RUFF := ruff==0.17.6
PIP_INSTALL := bin/pip install --quiet --disable-pip-version-check
# The model runtime (the worker's venv): the pinned stack of addon/runtime/requirements.txt.
RUNTIME_PY := $(VENVS)/runtime/bin/python
RUNTIME_PACKAGES := torch torchaudio torchcodec diffusers transformers accelerate safetensors huggingface_hub \
  spandrel torchvision einops openexr librosa torchsde sentencepiece xgrammar coqui-tts six "transformers[serving]" numpy scipy pyloudnorm espeakng-loader opencv-python-headless
# The light zero-download runtime the demo uses (no torch): minutes, not a multi-GB download.
PREVIZ_PY := $(VENVS)/previz/bin/python
# What tests probe outputs with, from outside Blender's own code paths.
PIN_PROBE := av==18.1.0 pyloudnorm==0.2.0 srt==3.5.3 webvtt-py==0.6.0

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' blender_manifest.toml)
ZIP := dist/storyloom-$(VERSION).zip
DEMO_USER := $(CURDIR)/out/demo-blender

export HF_HUB_OFFLINE := 1

.PHONY: help venvs build lint unit runtime-tests blender-tests test bench demo clean

help:
	@echo "make demo   build the extension, install it into a demo Blender profile, run it"
	@echo "make test   lint, pure-core tests, then Blender tests on bpy $(BPY_VERSIONS)"
	@echo "make build  $(ZIP), built and validated with Blender's own extension tool"
	@echo "make bench  runtime/video overhead vs bare diffusers, landing vs Blender's PNG writer, tick cost, post"

$(VENVS)/python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
	  { echo "Storyloom's bpy venvs need Python 3.11 (bpy 4.5/5.0 wheels); found $$($(PYTHON) -V)." \
	         "Set PYTHON=/path/to/python3.11"; exit 1; }
	@mkdir -p $(VENVS) && touch $@

$(VENVS)/bpy-%/ready: $(VENVS)/python-ok
	$(PYTHON) -m venv $(VENVS)/bpy-$*
	$(VENVS)/bpy-$*/$(PIP_INSTALL) bpy==$* $(PIN_PYTEST) $(PIN_PROBE)
	@touch $@

$(VENVS)/dev/ready: $(VENVS)/python-ok
	$(PYTHON) -m venv $(VENVS)/dev
	$(VENVS)/dev/$(PIP_INSTALL) $(PIN_PYTEST) $(PIN_RUFF) jsonschema==4.26.0
	@touch $@

$(VENVS)/previz/ready: $(VENVS)/python-ok addon/runtime/requirements-previz.txt
	$(PYTHON) -m venv $(VENVS)/previz
	$(VENVS)/previz/$(PIP_INSTALL) -r addon/runtime/requirements-previz.txt
	@touch $@

$(VENVS)/runtime/ready: $(VENVS)/python-ok addon/runtime/requirements.txt addon/runtime/requirements-previz.txt
	$(PYTHON) -m venv $(VENVS)/runtime
	$(VENVS)/runtime/$(PIP_INSTALL) -c addon/runtime/requirements.txt $(RUNTIME_PACKAGES) $(PIN_PYTEST)
	@touch $@

venvs: $(VENVS)/dev/ready $(VENVS)/runtime/ready $(foreach v,$(BPY_VERSIONS),$(VENVS)/bpy-$(v)/ready)

build: $(VENVS)/bpy-5.0.1/ready
	$(BLENDER_PY) tests/tools/extension.py build --output-dir dist

lint: $(VENVS)/dev/ready
	$(VENVS)/dev/bin/ruff check .
	$(VENVS)/dev/bin/ruff format --check .

unit: $(VENVS)/dev/ready
	$(DEV_PY) -m pytest tests/unit

runtime-tests: $(VENVS)/runtime/ready
	$(RUNTIME_PY) -m pytest tests/runtime

blender-tests: $(VENVS)/runtime/ready $(foreach v,$(BPY_VERSIONS),$(VENVS)/bpy-$(v)/ready)
	@for version in $(BPY_VERSIONS); do \
	  echo "== Blender tests on bpy $$version =="; \
	  STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(VENVS)/bpy-$$version/bin/python -m pytest tests/blender \
	    || exit 1; \
	done

bench: $(VENVS)/runtime/ready $(VENVS)/bpy-5.0.1/ready build
	STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(BLENDER_PY) bench/runtime_overhead.py
	STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(BLENDER_PY) bench/film_stages.py
	STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(BLENDER_PY) bench/video_throughput.py
	STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(BLENDER_PY) bench/lip_sync.py
	STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(BLENDER_PY) bench/staging.py
	STORYLOOM_RUNTIME_PYTHON=$(CURDIR)/$(RUNTIME_PY) $(BLENDER_PY) bench/post.py

test: lint unit runtime-tests blender-tests

DEMO_BRIEF := Create a cinematic 30-sec brand film for Northwind bikes with dramatic lighting and voiceover.

# Brief to film with nothing downloaded: out/demo.mp4, out/demo.wav, out/demo.srt, out/demo.vtt,
# out/demo.report.json and out/demo.blend (the edit, to open and refine in Blender).
demo: build $(VENVS)/previz/ready
	rm -rf $(DEMO_USER) out/demo* out/storyloom
	mkdir -p out
	BLENDER_USER_RESOURCES=$(DEMO_USER) $(BLENDER_PY) -m addon.cli install $(ZIP)
	BLENDER_USER_RESOURCES=$(DEMO_USER) $(BLENDER_PY) -m addon.cli film --brief "$(DEMO_BRIEF)" \
	  --out out/demo.mp4 --save --runtime-python $(CURDIR)/$(PREVIZ_PY)

clean:
	rm -rf dist out .pytest_cache .ruff_cache
