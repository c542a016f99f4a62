"""Runs an SMT-LIB file with cvc5's Python API (the PyPI wheel `cvc5-gpl` has the finite-field
solver but no command-line binary). Usage: cvc5_smtlib.py FILE TIMEOUT_MS. Prints what the
file's commands print, as the cvc5 binary would."""
import sys

import cvc5

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
