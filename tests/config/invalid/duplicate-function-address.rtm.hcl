# two blocks with one label
# expect: 6:10 duplicate function address
function "a" {
}

function "a" {
}
