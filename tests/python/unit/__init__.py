# A package, so these modules are imported as unit.test_* and never clash with same-named test
# modules in sibling folders (pytest's default "prepend" import mode keys modules by basename otherwise).
