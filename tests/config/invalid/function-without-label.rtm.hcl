# a function block needs a label
# expect: 3:1 exactly one label
function {
}
