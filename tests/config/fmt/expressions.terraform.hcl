a  = "x" # one
bb = 2   # two
c = {
  d = "${upper(x)}"
  e = [for s in l : s]
}
g = "a$${b}%%{c}"
h = x ? -1 : 2
k = [
  1,
  -2
]
f = <<EOT
    keep   this
EOT
z = 1
