# a misspelt top-level block
# expect: 3:1 did you mean "function"
functoin "a" {
}
