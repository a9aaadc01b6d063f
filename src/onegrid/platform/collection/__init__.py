"""The collection loop (最多报一次): the gate that answers a request to collect data from what is
already shared, the tasks that send grid workers a form for what is not, and their answers,
which become shared records that answer the next request."""
