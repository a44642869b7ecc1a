#!/bin/bash
# On the device machine (the `device` tool's run, with carry ["kit"]): fit safety encoders in NWORKERS
# processes side by side, none started after DEADLINE_S seconds, and score kit/'s eval strings with them.
# usage: bash bench/safety_gpu.sh NWORKERS DEADLINE_S 'JOBS_JSON'      (see bench/safety_gpu.py)
set -u
nvidia-smi --query-gpu=name,memory.used --format=csv,noheader 2>/dev/null || echo "no GPU: the workers fit on the CPU"
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)" || exit 1
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=2 OUT="${OUT:-.}"
for i in $(seq 0 $(($1 - 1))); do
  python3 bench/safety_gpu.py worker "$i" "$1" "$2" "$3" > "$OUT/log$i.txt" 2>&1 &
done
wait
grep -h -v -i warn "$OUT"/log*.txt | tail -60
ls -la "$OUT"
