-- Returned tables keep every key: booleans next to the integers 1 and 0, floats, negatives.
return {[1] = "int one", [true] = "bool true"},
       {[0] = "int zero", [false] = "bool false"},
       {[1.5] = "float key"},
       {[-1] = "minus one", [1] = "one"},
       {"a", "b", [true] = "c"}
