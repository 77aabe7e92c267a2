-- expect: error: no external table with id
return ext_table.get(123456789, "x")
