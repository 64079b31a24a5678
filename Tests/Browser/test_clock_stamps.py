"""Clock stamps read by a real JavaScript engine: `JSON.parse` in Chromium keeps protocol version 2's stamps
exact (strings of digits), where version 1's numbers, above 2^53, come back rounded."""
import json

PULL = "/v1/sync/pull?after=0&limit=50"


def _pull_in_page(watched, server, path):
    """Fetches `path` in the page with the officer's token and returns what JSON.parse made of the stamps."""
    watched.page.goto(server.url + "/v1/health")
    return watched.page.evaluate(
        """async ([path, token]) => {
            const response = await fetch(path, {headers: {Authorization: "Bearer " + token}});
            const page = JSON.parse(await response.text());
            const show = (value) => ({type: typeof value, text: String(value)});
            return {status: response.status, clock: show(page.serverClock),
                    hlc: page.operations.map((entry) => show(entry.operation.hlc))};
        }""",
        [path, server.tokens["dev-pc4127"]],
    )


def test_version_2_stamps_are_exact_in_javascript(server, watched):
    status, _, body = server.request("GET", PULL, server.tokens["dev-pc4127"])
    assert status == 200
    # Python's json keeps integers exact: the stamps as the server holds them.
    exact = [str(entry["operation"]["hlc"]) for entry in json.loads(body)["operations"]]
    assert exact and all(int(stamp) > 2**53 for stamp in exact)

    parsed = _pull_in_page(watched, server, PULL + "&protocolVersion=2")
    assert parsed["status"] == 200
    assert parsed["hlc"] == [{"type": "string", "text": stamp} for stamp in exact]
    assert parsed["clock"]["type"] == "string" and int(parsed["clock"]["text"]) > 2**53
    # BigInt reads the digits exactly: differences between stamps come out as Python's exact integers give them.
    differences = watched.page.evaluate(
        "(stamps) => stamps.map((s) => (BigInt(s) - BigInt(stamps[0])).toString())",
        [entry["text"] for entry in parsed["hlc"]],
    )
    assert differences == [str(int(stamp) - int(exact[0])) for stamp in exact]


def test_version_1_numbers_are_what_javascript_rounds(server, watched):
    """The reason for version 2, and version 1 still served: numbers, which JSON.parse rounds."""
    status, _, body = server.request("GET", PULL, server.tokens["dev-pc4127"])
    exact = [str(entry["operation"]["hlc"]) for entry in json.loads(body)["operations"]]

    parsed = _pull_in_page(watched, server, PULL)
    assert parsed["status"] == 200
    assert all(entry["type"] == "number" for entry in parsed["hlc"])
    assert [entry["text"] for entry in parsed["hlc"]] != exact
