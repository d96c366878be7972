# locals that refer to each other
# expect: 4:3 depends on itself
locals {
  a = local.b
  b = local.a
}
