"""Whatever a device sends, the answer is a 4xx with the error format or a 201 — never a 500."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8)

bodies = st.fixed_dictionaries({}, optional={
    "service_case_no": st.one_of(st.just("SC-00001"), json_values),
    "level": st.one_of(st.integers(-3, 9), json_values),
    "channel": st.one_of(st.sampled_from(["web", "sms", "fax"]), json_values),
    "comment": json_values,
    "evaluated_at": st.one_of(st.just("2026-11-20T01:00:00+00:00"), st.just("2026-13-01"), json_values),
    "real_name": json_values,
    "reasons": json_values,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(bodies, json_values))
def test_no_body_makes_the_intake_fail_with_a_500(client, world, make_service_case, body):
    if not hasattr(world, "_case"):
        world._case = make_service_case(case_no="SC-00001")
    response = client.post("/api/v1/evaluations", json=body, headers=world.headers("client_a"))
    assert response.status_code in (201, 400, 409, 422), response.get_data(as_text=True)
    if response.status_code != 201:
        assert set(response.json["error"]) == {"code", "message", "fields"}
