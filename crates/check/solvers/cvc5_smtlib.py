"""Runs an SMT-LIB file with cvc5's Python API (the PyPI wheel `cvc5-gpl` has the finite-field
solver but no command-line binary). Usage: cvc5_smtlib.py FILE TIMEOUT_MS. Prints what the
file's commands print, as the cvc5 binary would."""
import signal
import sys

import cvc5

# A backstop for what `tlimit-per` does not bound, and for a checker killed mid-query: the
# kernel ends this process (SIGALRM's default action) after twice the timeout, and when the
# thread that started it dies (Linux's PR_SET_PDEATHSIG).
signal.signal(signal.SIGALRM, signal.SIG_DFL)
signal.alarm(2 * int(sys.argv[2]) // 1000 + 5)
try:
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
except (OSError, AttributeError):
    pass

solver = cvc5.Solver()
solver.setOption("produce-models", "true")
solver.setOption("tlimit-per", sys.argv[2])
symbols = cvc5.SymbolManager(solver.getTermManager())
parser = cvc5.InputParser(solver, symbols)
parser.setFileInput(cvc5.InputLanguage.SMT_LIB_2_6, sys.argv[1])
while True:
    command = parser.nextCommand()
    if command.isNull():
        break
    out = command.invoke(solver, symbols)
    if out:
        print(out, end="" if out.endswith("\n") else "\n", flush=True)
