_home.counter = (_home.counter or 0) + 1
print(_home.counter)
