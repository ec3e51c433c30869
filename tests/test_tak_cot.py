"""Cursor-on-Target in and out: what ATAK sends is read field by field (XML, TAK protocol stream
and mesh), anything hostile or absurd is refused with the right reason, a TCP stream is cut into
messages whatever the reads, and everything written is what ATAK expects and reads back."""

from __future__ import annotations

import math
import random
import re
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
import takproto
from defusedxml.ElementTree import fromstring as defused_fromstring
from hypothesis import given, settings
from hypothesis import strategies as st
from takproto.constants import TAKProtoVer
from takproto.proto import TakMessage

from jprcc.tak import cot
from jprcc.tak.cot import CotEvent, CotRejected, Framer, Kind

NOW = datetime(2026, 12, 5, 1, 44, 5, 123000, tzinfo=UTC)
DEVICE = "ANDROID-4eb92ff46e615c21"


def stamp(seconds: float = 0.0) -> str:
    t = NOW + timedelta(seconds=seconds)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def event(
    uid: str = DEVICE,
    cot_type: str = "a-f-G-U-C",
    point: str = 'lat="12.3" lon="45.6" hae="101.5" ce="4.9" le="9999999.0"',
    detail: str = '<contact callsign="VIPER 1"/>',
    time: str | None = None,
    start: str | None = None,
    stale: str | None = None,
    how: str = "m-g",
) -> bytes:
    """An event as ATAK writes it, with any part replaced."""
    time = time or stamp(-2)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<event version="2.0" uid="{uid}" type="{cot_type}" time="{time}" start="{start or time}" '
        f'stale="{stale or stamp(120)}" how="{how}"><point {point}/><detail>{detail}</detail></event>'
    ).encode()


# What ATAK CIV 4.x/5.x sends (times moved to NOW): its position report (SA) ...
ATAK_POSITION = f"""<?xml version='1.0' encoding='UTF-8' standalone='yes'?>
<event version='2.0' uid='{DEVICE}' type='a-f-G-U-C' time='{stamp(-1)}' start='{stamp(-1)}'
 stale='{stamp(359)}' how='m-g'><point lat='38.8976763' lon='-77.0365298' hae='23.4' ce='4.9' le='9999999.0'/>
<detail><takv os='33' version='4.10.0.57 (8f3fb8d5).1685040155-CIV' device='SAMSUNG SM-G991U'
 platform='ATAK-CIV'/>
<contact endpoint='*:-1:stcp' callsign='VIPER 1'/><uid Droid='VIPER 1'/>
<precisionlocation altsrc='GPS' geopointsrc='GPS'/><__group role='Team Member' name='Cyan'/>
<status battery='87'/><track course='272.80584' speed='1.25'/></detail></event>""".encode()

# ... its 911 alert (EmergencyManager: uid "<device>-9-1-1", a p-p link to the device) ...
ATAK_911 = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<event version="2.0" uid="{DEVICE}-9-1-1" type="b-a-o-tbl" time="{stamp()}" start="{stamp()}"
 stale="{stamp(10)}" how="h-e" access="Undefined"><point lat="38.8976763" lon="-77.0365298" hae="23.4"
 ce="10" le="10"/><detail><link uid="{DEVICE}" type="a-f-G-U-C" relation="p-p"/>
<contact callsign="VIPER 1-Alert"/><emergency type="911 Alert">VIPER 1</emergency></detail>
</event>""".encode()

# ... and its cancel, which carries no link at all.
ATAK_CANCEL = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<event version="2.0" uid="{DEVICE}-9-1-1" type="b-a-o-can" time="{stamp(30)}" start="{stamp(30)}"
 stale="{stamp(40)}" how="h-e"><point lat="38.8976763" lon="-77.0365298" hae="23.4" ce="10" le="10"/>
<detail><emergency cancel="true">VIPER 1</emergency></detail></event>""".encode()

RING_THE_BELL = event(
    f"{DEVICE}-9-1-1",
    "b-a-o-pan",
    detail=f'<link uid="{DEVICE}" type="a-f-G-U-C" relation="p-p"/><contact callsign="VIPER 1-Alert"/>'
    '<emergency type="Ring The Bell">VIPER 1</emergency>',
)
TROOPS_IN_CONTACT = event(
    f"{DEVICE}-9-1-1",
    "b-a-o-opn",
    detail=f'<link uid="{DEVICE}" type="a-f-G-U-C" relation="p-p"/><contact callsign="VIPER 1-Alert"/>'
    '<emergency type="In Contact">VIPER 1</emergency>',
)
GEOFENCE = event(
    f"{DEVICE}-9-1-1", "b-a-g", detail='<emergency type="Geo-fence Breached">VIPER 1</emergency>'
)

# A CASEVAC (MEDEVAC 9-line) marker dropped by the device; a plugin's p-p link comes first.
CASEVAC = event(
    "9f1c5e2a-6f0b-4e8e-9c77-2b1d5c1a0e42",
    "b-r-f-h-c",
    point='lat="38.9012" lon="-77.0301" hae="9999999.0" ce="9999999.0" le="9999999.0"',
    detail='<link uid="plugin-overlay-7" type="b-x-KmlStyle" relation="p-p"/>'
    f'<link uid="{DEVICE}" production_time="{stamp(-60)}" type="a-f-G-U-C" parent_callsign="VIPER 1" '
    'relation="p-p"/><contact callsign="MED.05.014405"/>'
    '<_medevac_ title="MED.05.014405" casevac="true" freq="35.500" urgent="2" priority="0" routine="0" '
    'hoist="true" litter="1" ambulatory="1" security="1" hlz_marking="3" us_military="2" '
    'obstacles="Wires &amp; trees north" medline_remarks="GSW left leg">'
    '<zMistsMap><zMist title="ZMIST1" z="M" m="GSW" i="bleeding" s="stable" t="TQ"/></zMistsMap></_medevac_>'
    "<remarks></remarks><archive/>",
)
PING = event(
    "ANDROID-4eb92ff46e615c21-ping", "t-x-c-t", point='lat="0" lon="0" hae="0" ce="9999999" le="9999999"'
)

SAMPLES = [ATAK_POSITION, ATAK_911, ATAK_CANCEL, RING_THE_BELL, TROOPS_IN_CONTACT, GEOFENCE, CASEVAC, PING]


def rejected(data: bytes, reason: str, **kw: object) -> CotRejected:
    with pytest.raises(CotRejected) as caught:
        cot.parse_xml(data, now=NOW, **kw)  # type: ignore[arg-type]
    assert caught.value.reason == reason, str(caught.value)
    assert str(caught.value)  # a sentence for the log
    return caught.value


def payload_of(frame: bytes) -> bytes:
    """The protobuf of one TAK protocol streaming frame, cut by the Framer."""
    [(kind, payload)] = Framer().feed(frame)
    assert kind == "proto"
    return payload


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


# --- reading what ATAK sends --------------------------------------------------------------------


def test_an_atak_position_report_is_read_field_by_field():
    e = cot.parse_xml(ATAK_POSITION, now=NOW)
    assert (e.uid, e.type, e.how) == (DEVICE, "a-f-G-U-C", "m-g")
    assert (e.lat, e.lon, e.hae, e.ce, e.le) == (38.8976763, -77.0365298, 23.4, 4.9, None)
    assert e.time == e.start == NOW - timedelta(seconds=1)
    assert e.time.tzinfo == UTC
    assert e.stale == NOW + timedelta(seconds=359)
    assert (e.callsign, e.endpoint, e.remarks, e.emergency) == ("VIPER 1", "*:-1:stcp", "", "")
    assert (e.kind, e.origin_uid, e.has_fix, e.parent_uid) == (Kind.POSITION, DEVICE, True, None)


def test_latitude_and_longitude_are_not_swapped():
    e = cot.parse_xml(event(point='lon="45.6" lat="12.3" hae="0" ce="5" le="5"'), now=NOW)
    assert e.lat == 12.3
    assert e.lon == 45.6


def test_times_are_read_as_utc_with_or_without_fractions_or_an_offset():
    e = cot.parse_xml(
        event(
            time="2026-12-05T03:44:04+02:00",
            start="2026-12-05T01:44:04.5Z",
            stale="2026-12-05T01:50:00.1234Z",
        ),
        now=NOW,
    )
    assert e.time == datetime(2026, 12, 5, 1, 44, 4, tzinfo=UTC)
    assert e.start == datetime(2026, 12, 5, 1, 44, 4, 500000, tzinfo=UTC)
    assert e.stale == datetime(2026, 12, 5, 1, 50, 0, 123400, tzinfo=UTC)
    assert all(t.utcoffset() == timedelta(0) for t in (e.time, e.start, e.stale))


@pytest.mark.parametrize(
    ("sample", "kind", "origin", "emergency"),
    [
        (ATAK_POSITION, Kind.POSITION, DEVICE, ""),
        (ATAK_911, Kind.ALERT_911, DEVICE, "911 Alert"),
        (ATAK_CANCEL, Kind.CANCEL, DEVICE, ""),
        (RING_THE_BELL, Kind.RING_THE_BELL, DEVICE, "Ring The Bell"),
        (TROOPS_IN_CONTACT, Kind.TROOPS_IN_CONTACT, DEVICE, "In Contact"),
        (GEOFENCE, Kind.GEOFENCE, DEVICE, "Geo-fence Breached"),
        (CASEVAC, Kind.CASEVAC, DEVICE, ""),
        (PING, Kind.PING, "ANDROID-4eb92ff46e615c21-ping", ""),
    ],
)
def test_each_kind_of_event_and_the_device_it_belongs_to(sample, kind, origin, emergency):
    e = cot.parse_xml(sample, now=NOW)
    assert e.kind is kind
    assert e.origin_uid == origin
    assert e.emergency == emergency


def test_a_911_alert_names_its_device_by_its_link():
    e = cot.parse_xml(ATAK_911, now=NOW)
    assert e.uid == f"{DEVICE}-9-1-1"
    assert e.parent_uid == DEVICE
    assert e.callsign == "VIPER 1-Alert"
    assert (e.lat, e.lon, e.ce) == (38.8976763, -77.0365298, 10.0)
    assert e.has_fix


def test_a_cancel_without_a_link_belongs_to_the_uid_less_its_911_suffix():
    e = cot.parse_xml(ATAK_CANCEL, now=NOW)
    assert e.parent_uid is None
    assert e.emergency_cancel
    assert e.origin_uid == DEVICE
    # the cancel flag decides, whatever the type
    flagged = cot.parse_xml(
        event(cot_type="b-a-o-tbl", detail='<emergency cancel="True">X</emergency>'), now=NOW
    )
    assert flagged.kind is Kind.CANCEL
    # a uid that is only the suffix stays itself
    assert cot.parse_xml(event(uid="-9-1-1"), now=NOW).origin_uid == "-9-1-1"


def test_a_casevac_keeps_its_nine_line_sorted_and_belongs_to_the_device_not_to_another_link():
    e = cot.parse_xml(CASEVAC, now=NOW)
    assert e.parent_uid == DEVICE  # the device's link (an atom), not the first p-p link
    fields = dict(e.medevac)
    assert fields["obstacles"] == "Wires & trees north"
    assert fields["medline_remarks"] == "GSW left leg"
    assert (fields["urgent"], fields["hoist"]) == ("2", "true")
    assert [k for k, _ in e.medevac] == sorted(fields)
    assert e.has_fix  # placed by hand (ce 9999999): where the casualty is, with its accuracy unknown
    assert e.ce is None


def test_no_fix_is_told_apart_from_a_fix():
    def fix(point: str) -> bool:
        return cot.parse_xml(event(point=point), now=NOW).has_fix

    assert fix('lat="12.3" lon="45.6" hae="0" ce="25" le="25"')
    assert not fix('lat="0.0" lon="0.0" hae="9999999.0" ce="9999999.0" le="9999999.0"')
    # a point placed by hand: a position whose accuracy is unknown, not "no fix"
    assert fix('lat="12.3" lon="45.6" hae="9999999.0" ce="9999999.0" le="9999999.0"')
    assert not fix('lat="0.0" lon="0.0" hae="0" ce="12" le="9999999.0"')
    e = cot.parse_xml(event(point='lat="1" lon="2" hae="9999999.0" ce="9999999" le="9999999.0"'), now=NOW)
    assert (e.hae, e.ce, e.le) == (None, None, None)


def test_text_is_bounded_and_control_characters_dropped():
    detail = f'<contact callsign="{"C" * 150}&#10;x"/><remarks>{"r" * 5000}</remarks>'
    e = cot.parse_xml(event(detail=detail), now=NOW)
    assert e.callsign == "C" * 100
    assert e.remarks == "r" * 2000
    detail = '<contact callsign="A&#9;B\u0085"/><remarks>one\ntwo &amp; &lt;three&gt;\u0085</remarks>'
    e = cot.parse_xml(event(detail=detail), now=NOW)
    assert e.callsign == "AB"
    assert e.remarks == "one\ntwo & <three>"


def test_only_the_events_own_point_and_details_count_not_nested_look_alikes():
    nested = (
        '<_flow-tags_><contact callsign="NESTED"/><remarks>nested</remarks></_flow-tags_>'
        '<shape><link uid="STYLE" type="a-f-G" relation="p-p"/><point lat="1" lon="1"/></shape>'
        '<contact callsign="REAL"/><remarks>real</remarks>'
    )
    data = (
        f'<event version="2.0" uid="x" type="a-f-G" time="{stamp()}" start="{stamp()}" stale="{stamp(60)}" '
        f'how="m-g"><detail>{nested}</detail><point lat="12.3" lon="45.6" hae="0" ce="5" le="5"/></event>'
    ).encode()
    e = cot.parse_xml(data, now=NOW)
    assert (e.callsign, e.remarks, e.parent_uid, e.lat, e.lon) == ("REAL", "real", None, 12.3, 45.6)


def test_single_quotes_no_declaration_and_no_detail_are_fine():
    data = (
        f"<event version='2.0' uid='x' type='a-h-G' time='{stamp()}' start='{stamp()}' stale='{stamp(60)}' "
        "how='h-e'><point lat='1.5' lon='2.5' hae='0' ce='10' le='10'/></event>"
    ).encode()
    e = cot.parse_xml(data, now=NOW)
    assert (e.uid, e.type, e.lat, e.lon, e.callsign) == ("x", "a-h-G", 1.5, 2.5, "")


# --- the TAK protocol (protobuf) ----------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_same_event_as_a_stream_frame_and_a_mesh_datagram_reads_the_same(sample):
    as_xml = cot.parse_xml(sample, now=NOW)
    frame = cot.to_stream_frame(sample)
    assert frame[0] == 0xBF
    assert takproto.parse_proto(bytearray(frame)).cotEvent.uid == as_xml.uid  # takproto reads it
    assert cot.parse_protobuf(payload_of(frame), now=NOW) == as_xml
    datagram = cot.to_mesh_datagram(sample)
    assert datagram[:3] == b"\xbf\x01\xbf"
    assert cot.parse_datagram(datagram, now=NOW) == as_xml
    assert cot.parse_datagram(sample, now=NOW) == as_xml  # a mesh may carry plain XML too


def test_typed_protobuf_fields_are_used_and_the_rest_travels_as_xml():
    frame = cot.to_stream_frame(ATAK_POSITION)
    message = TakMessage()
    message.ParseFromString(payload_of(frame))
    d = message.cotEvent.detail
    assert (d.contact.callsign, d.contact.endpoint) == ("VIPER 1", "*:-1:stcp")
    assert (d.group.name, d.group.role, d.status.battery) == ("Cyan", "Team Member", 87)
    assert (d.takv.platform, d.track.course, d.track.speed) == ("ATAK-CIV", 272.80584, 1.25)
    assert "<contact" not in d.xmlDetail
    assert '<uid Droid="VIPER 1"' in d.xmlDetail
    assert message.cotEvent.sendTime == int((NOW - timedelta(seconds=1)).timestamp() * 1000)


def test_an_event_encoded_by_takproto_itself_is_read():
    datagram = bytes(takproto.xml2proto(ATAK_911, TAKProtoVer.MESH))
    e = cot.parse_datagram(datagram, now=NOW)
    assert (e.uid, e.kind, e.origin_uid, e.lat, e.lon) == (
        f"{DEVICE}-9-1-1",
        Kind.ALERT_911,
        DEVICE,
        38.8976763,
        -77.0365298,
    )
    assert e.callsign == "VIPER 1-Alert"


def test_where_typed_contact_and_xml_detail_disagree_the_xml_detail_wins():
    message = TakMessage()
    ev = message.cotEvent
    ev.uid, ev.type, ev.how = "x", "a-f-G", "m-g"
    ev.sendTime = ev.startTime = int(NOW.timestamp() * 1000)
    ev.staleTime = ev.sendTime + 60_000
    ev.lat, ev.lon, ev.hae, ev.ce, ev.le = 12.3, 45.6, 0.0, 5.0, 5.0
    ev.detail.contact.callsign = "TYPED"
    assert cot.parse_protobuf(message.SerializeToString(), now=NOW).callsign == "TYPED"
    ev.detail.xmlDetail = '<contact callsign="FROM XML"/><remarks>hello</remarks>'
    e = cot.parse_protobuf(message.SerializeToString(), now=NOW)
    assert (e.callsign, e.remarks, e.lat, e.lon) == ("FROM XML", "hello", 12.3, 45.6)
    ev.detail.xmlDetail = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><remarks>&e;</remarks>'
    with pytest.raises(CotRejected) as caught:
        cot.parse_protobuf(message.SerializeToString(), now=NOW)
    assert caught.value.reason == "xml"
    ev.detail.xmlDetail = '</detail><point lat="89" lon="0"/><detail>'  # cannot break out of <detail>
    with pytest.raises(CotRejected):
        cot.parse_protobuf(message.SerializeToString(), now=NOW)


# --- hostile and absurd input -------------------------------------------------------------------

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<event version="2.0" uid="x" type="a-f-G" time="{stamp()}" start="{stamp()}" stale="{stamp(60)}" how="m-g">
<point lat="1" lon="2" hae="0" ce="1" le="1"/><detail><remarks>&xxe;</remarks></detail></event>""".encode()

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><event uid="x" type="a-f-G"><detail><remarks>&lol9;</remarks></detail></event>'
)


def test_external_entities_are_refused_and_nothing_is_read():
    refusal = rejected(XXE, "dtd")
    assert "root:" not in str(refusal)


def test_entity_expansion_is_refused():
    rejected(BILLION_LAUGHS, "dtd")


def test_any_dtd_is_refused():
    rejected(
        event().replace(b"\n<event", b'\n<!DOCTYPE event SYSTEM "http://example.com/cot.dtd">\n<event'), "dtd"
    )
    rejected(event().replace(b"\n<event", b"\n<!DOCTYPE event>\n<event"), "dtd")


@pytest.mark.parametrize(
    "data",
    [
        b"<event uid='x'",  # cut short
        b"<event uid='x' type='a-f-G'><point></event>",  # mismatched tags
        b"not xml at all",
        b"",
        event().replace(b"VIPER 1", b"VIPER \xff\xfe 1"),  # not UTF-8
        event().replace(b"VIPER 1", b"VIPER &undefined; 1"),  # an entity nobody declared
        b'<?xml version="1.0"?><cot><event uid="x"/></cot>',  # not rooted in <event>
    ],
)
def test_malformed_xml_is_refused(data):
    rejected(data, "xml")


def test_an_oversize_message_is_refused_before_it_is_parsed():
    big = event(detail="<remarks>" + "A" * 70_000 + "</remarks>")
    refusal = rejected(big, "oversize")
    assert "65536" in str(refusal)
    rejected(event(), "oversize", max_bytes=100)


@pytest.mark.parametrize(
    ("point", "field"),
    [
        ('lat="91" lon="45.6" hae="0" ce="5" le="5"', "lat"),
        ('lat="-90.0001" lon="45.6" hae="0" ce="5" le="5"', "lat"),
        ('lat="12.3" lon="181" hae="0" ce="5" le="5"', "lon"),
        ('lat="NaN" lon="45.6" hae="0" ce="5" le="5"', "lat"),
        ('lat="12.3" lon="inf" hae="0" ce="5" le="5"', "lon"),
        ('lat="12.3" lon="45.6" hae="nan" ce="5" le="5"', "hae"),
        ('lat="12.3" lon="45.6" hae="0" ce="-infinity" le="5"', "ce"),
        ('lat="12.3" lon="45.6" hae="0" ce="5" le="-1"', "le"),
        ('lat="twelve" lon="45.6" hae="0" ce="5" le="5"', "lat"),
        ('lon="45.6" hae="0" ce="5" le="5"', "lat"),
    ],
)
def test_impossible_coordinates_are_refused(point, field):
    refusal = rejected(event(point=point), "coordinates")
    assert refusal.field == field
    assert field in str(refusal)


def test_an_event_without_a_point_is_refused():
    data = event().replace(b'<point lat="12.3" lon="45.6" hae="101.5" ce="4.9" le="9999999.0"/>', b"")
    rejected(data, "coordinates")


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ({"time": "1970-01-01T00:00:00.000Z"}, "time"),
        ({"time": "2100-01-01T00:00:00.000Z"}, "time"),
        ({"time": stamp(86_400 + 60)}, "time"),  # more than a day ahead
        ({"time": stamp(-31 * 86_400), "stale": stamp(60)}, "time"),  # more than 30 days old
        ({"start": stamp(0), "stale": stamp(-1)}, "stale"),  # stale before start
        ({"stale": "9999-12-31T23:59:59.999Z"}, "stale"),  # absurd
        ({"time": "2026-13-05T01:44:05Z"}, "time"),  # no such month
        ({"time": "yesterday"}, "time"),
        ({"time": "2026-12-05 01:44:05"}, "time"),  # not ISO 8601 with a zone
    ],
)
def test_insane_times_are_refused(times, field):
    refusal = rejected(event(**times), "time")
    assert refusal.field == field


def test_a_time_within_bounds_is_accepted():
    cot.parse_xml(event(time=stamp(86_400 - 60), stale=stamp(86_400)), now=NOW)
    cot.parse_xml(event(time=stamp(-29 * 86_400), stale=stamp(60)), now=NOW)


@pytest.mark.parametrize(
    "uid", ["", "ANDROID-1&#10;INJECTED", "ANDROID-1&#9;x", "ANDROID-\u0085x", "A" * 201]
)
def test_a_bad_uid_is_refused(uid):
    assert rejected(event(uid=uid), "uid").field == "uid"


def test_a_uid_of_200_characters_is_accepted():
    assert cot.parse_xml(event(uid="A" * 200), now=NOW).uid == "A" * 200


@pytest.mark.parametrize("cot_type", ["", "a f G", "a-f-G;drop", "a--f", "-a-f", "a-f-G-U-C-" + "X" * 95])
def test_a_bad_type_is_refused(cot_type):
    assert rejected(event(cot_type=cot_type), "type").field == "type"


def test_protobuf_garbage_is_refused():
    rng = random.Random(20261205)
    for _ in range(50):
        with pytest.raises(CotRejected) as caught:
            cot.parse_protobuf(rng.randbytes(rng.randrange(1, 400)), now=NOW)
        assert caught.value.reason in {"protobuf", "uid", "type", "coordinates", "time"}
    for garbage in (b"\x12\xff\xff\xff\xff\x0f", b"\xff" * 20, b"\x0a\x05abc"):
        with pytest.raises(CotRejected) as caught:
            cot.parse_protobuf(garbage, now=NOW)
        assert caught.value.reason == "protobuf"
    with pytest.raises(CotRejected) as caught:
        cot.parse_protobuf(b"", now=NOW)  # a valid but empty TakMessage: no event in it
    assert caught.value.reason == "protobuf"
    with pytest.raises(CotRejected) as caught:
        cot.parse_protobuf(payload_of(cot.to_stream_frame(ATAK_911)), now=NOW, max_bytes=50)
    assert caught.value.reason == "oversize"


def test_a_datagram_of_another_tak_protocol_version_is_refused():
    datagram = cot.to_mesh_datagram(ATAK_911)
    with pytest.raises(CotRejected) as caught:
        cot.parse_datagram(b"\xbf\x02\xbf" + datagram[3:], now=NOW)
    assert caught.value.reason == "framing"


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone"):
        cot.parse_xml(ATAK_911, now=NOW.replace(tzinfo=None))


# --- cutting a TCP stream -----------------------------------------------------------------------


def xml_items(items: list[tuple[str, bytes] | CotRejected]) -> list[str]:
    """The uids of the messages cut, or the reason of each rejection."""
    out = []
    for item in items:
        if isinstance(item, CotRejected):
            out.append(f"!{item.reason}")
        elif item[0] == "xml":
            out.append(cot.parse_xml(item[1], now=NOW).uid)
        else:
            out.append("proto:" + cot.parse_protobuf(item[1], now=NOW).uid)
    return out


def test_many_messages_in_one_read_come_out_in_order():
    no_declaration = event(uid="third").split(b"?>\n", 1)[1]
    stream = (
        event(uid="first") + event(uid="second") + b"\r\n  \n" + no_declaration + b"\n" + event(uid="fourth")
    )
    framer = Framer()
    assert xml_items(framer.feed(stream)) == ["first", "second", "third", "fourth"]
    assert framer.close() == []


def test_a_message_fed_one_byte_at_a_time_comes_out_once_whole():
    framer = Framer()
    stream = ATAK_POSITION + cot.to_stream_frame(ATAK_911) + ATAK_CANCEL
    out: list[tuple[str, bytes] | CotRejected] = []
    for i in range(len(stream)):
        out += framer.feed(stream[i : i + 1])
    assert [item[0] for item in out if not isinstance(item, CotRejected)] == ["xml", "proto", "xml"]
    assert out[0] == ("xml", ATAK_POSITION)
    assert xml_items(out) == [DEVICE, f"proto:{DEVICE}-9-1-1", f"{DEVICE}-9-1-1"]
    assert framer.close() == []


def test_xml_and_protobuf_frames_mixed_on_one_stream():
    stream = b"".join(
        cot.to_stream_frame(event(uid=f"p{i}")) if i % 2 else event(uid=f"x{i}") for i in range(10)
    )
    assert xml_items(Framer().feed(stream)) == [f"proto:p{i}" if i % 2 else f"x{i}" for i in range(10)]


def test_garbage_between_messages_is_one_rejection_and_the_stream_goes_on():
    stream = event(uid="before") + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n<html>hello</html>" + event(uid="after")
    assert xml_items(Framer().feed(stream)) == ["before", "!framing", "after"]
    # the same, whatever the reads
    framer = Framer()
    out: list[tuple[str, bytes] | CotRejected] = []
    for i in range(0, len(stream), 7):
        out += framer.feed(stream[i : i + 7])
    assert xml_items(out) == ["before", "!framing", "after"]
    # a message start split across reads while skipping garbage is still found
    bare = event(uid="bare").split(b"?>\n", 1)[1]
    stream = b"\x00\x01 not CoT " + bare + event(uid="next")
    framer = Framer()
    out = []
    for i in range(0, len(stream), 3):
        out += framer.feed(stream[i : i + 3])
    assert xml_items(out) == ["!framing", "bare", "next"]


def test_a_message_cut_off_by_the_next_one_is_rejected_and_the_next_one_kept():
    stream = event(uid="cut")[:150] + event(uid="whole") + event(uid="next")
    assert xml_items(Framer().feed(stream)) == ["!truncated", "whole", "next"]


def test_elements_named_like_event_do_not_cut_a_message():
    detail = '<contact callsign="E"/><eventually happened="yes"/><events><eventX/></events>'
    out = Framer().feed(event(uid="one", detail=detail) + event(uid="two"))
    assert xml_items(out) == ["one", "two"]


def test_a_message_truncated_at_the_end_of_the_stream_is_one_rejection():
    framer = Framer()
    assert framer.feed(event(uid="whole") + event(uid="cut")[:-20]) != []
    [refusal] = framer.close()
    assert refusal.reason == "truncated"
    framer = Framer()
    framer.feed(cot.to_stream_frame(ATAK_911)[:-3])
    assert [r.reason for r in framer.close()] == ["truncated"]
    framer = Framer()
    framer.feed(event() + b"\r\n")
    assert framer.close() == []


def test_a_hostile_message_on_a_stream_is_cut_then_refused_by_the_parser():
    [(kind, data)] = Framer().feed(XXE)
    assert kind == "xml"
    rejected(data, "dtd")


def test_a_frame_declaring_a_huge_length_is_refused_at_once():
    framer = Framer()
    header = b"\xbf" + varint(2**40)
    [refusal] = framer.feed(header + b"\x12\x05")
    assert refusal.reason == "oversize"  # refused on the header alone: nothing waits for a terabyte
    assert framer.buffered < 64
    assert xml_items(framer.feed(b"\x00" * 1000 + event(uid="after"))) == ["after"]


def test_a_frame_that_is_not_a_tak_message_is_garbage():
    stream = b"\xbf\x05\x99\x99\x99\x99\x99" + event(uid="after")  # a payload must begin 0x0a or 0x12
    assert xml_items(Framer().feed(stream)) == ["!framing", "after"]
    stream = b"\xbf" + b"\xff" * 11 + event(uid="after")  # a varint longer than ten bytes
    assert xml_items(Framer().feed(stream)) == ["!framing", "after"]


def test_an_oversize_xml_message_is_refused_and_the_stream_goes_on():
    framer = Framer(max_bytes=4096)
    big = event(uid="big", detail="<remarks>" + "x" * 10_000 + "</remarks>")
    out = framer.feed(big + event(uid="after"))
    assert xml_items(out) == ["!oversize", "after"]


def test_ten_megabytes_of_garbage_keep_the_buffer_bounded_and_are_reported():
    garbage = bytes(random.Random(5).choice(b"abcdefghij <>/=\"'\r\n") for _ in range(1 << 16)) * 160
    unclosed = event(uid="unclosed")[:-8] + b"<remarks>" + b"y" * (10 << 20)
    for flood in (garbage, unclosed):
        framer = Framer()
        out: list[tuple[str, bytes] | CotRejected] = []
        for i in range(0, len(flood), 65536):
            out += framer.feed(flood[i : i + 65536])
            assert framer.buffered <= framer.max_buffer
        assert out
        assert all(isinstance(item, CotRejected) for item in out)
        assert len(out) <= len(flood) // framer.max_bytes + 2  # counted, not one per byte
        assert xml_items(framer.feed(event(uid="after"))) == ["after"]
    # one read of all of it: memory stays bounded by the buffer, not by the read
    framer = Framer()
    tracemalloc.start()
    try:
        out = framer.feed(garbage)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * framer.max_buffer + (1 << 20)
    assert framer.buffered <= framer.max_buffer
    assert out


def test_the_buffer_limit_must_leave_room_for_a_message():
    with pytest.raises(ValueError, match="max_buffer"):
        Framer(max_bytes=1000, max_buffer=1000)
    assert Framer(max_bytes=1 << 20).max_buffer == 4 << 20


# --- writing what ATAK reads --------------------------------------------------------------------

STALE = NOW + timedelta(hours=6)
TIME_FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def tree(xml: bytes):
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<event ')
    assert xml.endswith(b"</event>")  # TAK servers want nothing after it
    root = defused_fromstring(xml, forbid_dtd=True)
    assert root.tag == "event"
    assert set(root.attrib) >= {"version", "uid", "type", "time", "start", "stale", "how"}
    assert root.get("version") == "2.0"
    for key in ("time", "start", "stale"):
        assert TIME_FORMAT.fullmatch(root.get(key)), root.get(key)
    point = root.find("point")
    assert point is not None
    assert set(point.attrib) == {"lat", "lon", "hae", "ce", "le"}
    for value in point.attrib.values():
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value  # xs:decimal, never an exponent
    assert root.find("detail") is not None
    return root


def links(root) -> list[str]:
    return [link.get("point") for link in root.find("detail").findall("link") if link.get("point")]


def test_a_point_round_trips_and_has_all_the_attributes_atak_needs():
    xml = cot.point(
        "jprcc.rp.7",
        "b-m-p-w",
        12.3,
        45.6,
        time=NOW,
        stale=STALE,
        callsign="RP 7",
        remarks="Go",
        ce=25.0,
        hae=120.0,
    )
    root = tree(xml)
    assert root.get("time") == root.get("start") == "2026-12-05T01:44:05.123Z"
    e = cot.parse_xml(xml, now=NOW)
    assert (e.uid, e.type, e.lat, e.lon, e.callsign, e.remarks) == (
        "jprcc.rp.7",
        "b-m-p-w",
        12.3,
        45.6,
        "RP 7",
        "Go",
    )
    assert (e.ce, e.hae, e.le, e.time, e.stale) == (25.0, 120.0, None, NOW, STALE)
    coloured = tree(cot.point("x", "a-u-G", 1, 2, time=NOW, stale=STALE, callsign="c", color_argb=0xFFFF0000))
    assert coloured.find("detail/color").get("argb") == "-65536"
    tiny = tree(cot.point("x", "a-u-G", 1e-7, -5e-5, time=NOW, stale=STALE, callsign="c"))
    assert (float(tiny.find("point").get("lat")), float(tiny.find("point").get("lon"))) == (1e-7, -5e-5)


def test_user_text_is_escaped_not_injected():
    evil = '"/><__forcedelete/><remarks a="'
    xml = cot.point(
        "x", "a-u-G", 1, 2, time=NOW, stale=STALE, callsign=evil, remarks="</remarks></detail>&amp;<x>"
    )
    root = tree(xml)
    assert root.find("detail/__forcedelete") is None
    assert root.find("detail/contact").get("callsign") == evil
    e = cot.parse_xml(xml, now=NOW)
    assert (e.callsign, e.remarks) == (evil, "</remarks></detail>&amp;<x>")
    # what XML cannot carry is dropped rather than written broken
    e = cot.parse_xml(
        cot.point("x", "a-u-G", 1, 2, time=NOW, stale=STALE, callsign="a\x00b\x1bc\ud800"), now=NOW
    )
    assert e.callsign == "abc"


@settings(max_examples=150, deadline=None)
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    callsign=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn")) | st.sampled_from("<&\"'>]"),
        max_size=100,
    ),
    remarks=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn")) | st.sampled_from("<&\"'>\n\t"),
        max_size=300,
    ),
    ce=st.none() | st.floats(0, 100_000),
)
def test_any_point_round_trips(lat, lon, callsign, remarks, ce):
    xml = cot.point(
        "u-1", "a-f-G-U-C", lat, lon, time=NOW, stale=STALE, callsign=callsign, remarks=remarks, ce=ce
    )
    e = cot.parse_xml(xml, now=NOW)
    assert (e.uid, e.type, e.lat, e.lon, e.ce) == ("u-1", "a-f-G-U-C", lat, lon, ce)
    assert e.callsign == callsign
    assert e.remarks == remarks


def test_a_closed_polygon_is_drawn_as_atak_draws_it():
    ring = [(40.0, 20.0), (40.0, 20.5), (39.5, 20.5), (39.5, 20.0)]
    xml = cot.polygon(
        "p",
        ring,
        closed=True,
        time=NOW,
        stale=STALE,
        callsign="90%",
        stroke_argb=0xFFFFA500,
        fill_argb=0x40FFA500,
    )
    root = tree(xml)
    assert root.get("type") == "u-d-f"
    assert links(root) == [
        "40.0,20.0",
        "40.0,20.5",
        "39.5,20.5",
        "39.5,20.0",
        "40.0,20.0",
    ]  # closed: first again
    d = root.find("detail")
    assert d.find("strokeColor").get("value") == str(0xFFFFA500 - 2**32)
    assert d.find("fillColor").get("value") == str(0x40FFA500)
    assert float(d.find("strokeWeight").get("value")) == 3.0
    assert (float(root.find("point").get("lat")), float(root.find("point").get("lon"))) == (39.75, 20.25)
    # a ring that already repeats its first vertex is not closed twice
    assert links(
        tree(
            cot.polygon(
                "p", [*ring, ring[0]], closed=True, time=NOW, stale=STALE, callsign="c", stroke_argb=-1
            )
        )
    ) == links(root)
    e = cot.parse_xml(xml, now=NOW)
    assert (e.uid, e.type, e.callsign, e.kind) == ("p", "u-d-f", "90%", Kind.OTHER)


def test_an_open_polygon_is_a_line_without_fill():
    root = tree(
        cot.polygon(
            "l",
            [(1, 2), (3, 4)],
            closed=False,
            time=NOW,
            stale=STALE,
            callsign="PL",
            stroke_argb=-1,
            fill_argb=5,
        )
    )
    assert links(root) == ["1.0,2.0", "3.0,4.0"]
    assert root.find("detail/fillColor") is None


def test_a_polygon_across_the_antimeridian_is_centred_on_it():
    root = tree(
        cot.polygon(
            "a",
            [(0, 179), (1, -179), (-1, -179)],
            closed=True,
            time=NOW,
            stale=STALE,
            callsign="c",
            stroke_argb=-1,
        )
    )
    assert abs(abs(float(root.find("point").get("lon"))) - 179.6666666) < 1e-6


def test_a_rectangle_keeps_its_four_corners_in_order():
    corners = [(40.0, 20.0), (40.0, 20.5), (39.5, 20.5), (39.5, 20.0)]
    root = tree(
        cot.rectangle(
            "r", corners, time=NOW, stale=STALE, callsign="SA", stroke_argb=-256, fill_argb=0x30FFFF00
        )
    )
    assert root.get("type") == "u-d-r"
    assert links(root) == ["40.0,20.0", "40.0,20.5", "39.5,20.5", "39.5,20.0"]
    assert root.find("detail/fillColor").get("value") == str(0x30FFFF00)
    with pytest.raises(ValueError, match="4 corners"):
        cot.rectangle("r", corners[:3], time=NOW, stale=STALE, callsign="SA", stroke_argb=-1)


def test_a_circle_is_an_ellipse_of_equal_axes_as_atak_writes_it():
    root = tree(
        cot.circle("c", 12.3, 45.6, 1500.0, time=NOW, stale=STALE, callsign="Threat", stroke_argb=0xFFFF0000)
    )
    assert root.get("type") == "u-d-c-c"
    ellipse = root.find("detail/shape/ellipse")
    assert (ellipse.get("major"), ellipse.get("minor"), ellipse.get("angle")) == ("1500.0", "1500.0", "360")
    assert root.find("detail/shape/link").get("type") == "b-x-KmlStyle"
    assert root.find("detail/strokeColor").get("value") == "-65536"
    assert (float(root.find("point").get("lat")), float(root.find("point").get("lon"))) == (12.3, 45.6)
    with pytest.raises(ValueError, match="radius"):
        cot.circle("c", 1, 2, 0.0, time=NOW, stale=STALE, callsign="c", stroke_argb=-1)


def test_a_route_has_its_waypoints_in_order():
    points = [(40.0, 20.0), (40.1, 20.1), (40.2, 20.3)]
    root = tree(cot.route("rt", points, time=NOW, stale=STALE, callsign="Ingress", stroke_argb=0xFF0000FF))
    assert root.get("type") == "b-m-r"
    waypoints = root.find("detail").findall("link")
    assert [w.get("point") for w in waypoints] == ["40.0,20.0", "40.1,20.1", "40.2,20.3"]
    assert all(w.get("type") == "b-m-p-w" and w.get("relation") == "c" for w in waypoints)
    assert len({w.get("uid") for w in waypoints}) == 3
    assert (waypoints[0].get("callsign"), waypoints[-1].get("callsign")) == ("Ingress SP", "VDO")
    attr = root.find("detail/link_attr")
    assert (attr.get("color"), attr.get("prefix")) == (str(0xFF0000FF - 2**32), "CP")
    assert attr.get("method")
    with pytest.raises(ValueError, match="2 points"):
        cot.route("rt", points[:1], time=NOW, stale=STALE, callsign="x")


def test_a_direct_chat_message_is_routed_to_one_device():
    text = 'Alert received <&> "stay put"\nJPRCC'
    xml = cot.chat("JPRCC-NODE-1", "JPRCC", DEVICE, "VIPER 1", text, time=NOW, message_id="5d6f0c1e")
    root = tree(xml)
    assert root.get("type") == "b-t-f"
    assert root.get("uid") == f"GeoChat.JPRCC-NODE-1.{DEVICE}.5d6f0c1e"
    d = root.find("detail")
    chat = d.find("__chat")
    assert (chat.get("chatroom"), chat.get("id"), chat.get("senderCallsign"), chat.get("messageId")) == (
        "VIPER 1",
        DEVICE,
        "JPRCC",
        "5d6f0c1e",
    )
    group = chat.find("chatgrp")
    assert (group.get("uid0"), group.get("uid1"), group.get("id")) == ("JPRCC-NODE-1", DEVICE, DEVICE)
    assert (d.find("link").get("uid"), d.find("link").get("relation")) == ("JPRCC-NODE-1", "p-p")
    assert (d.find("remarks").text, d.find("remarks").get("to")) == (text, DEVICE)
    assert d.find("remarks").get("source") == "BAO.F.ATAK.JPRCC-NODE-1"
    assert [dest.attrib for dest in d.findall("marti/dest")] == [{"callsign": "VIPER 1"}]
    e = cot.parse_protobuf(payload_of(cot.to_stream_frame(xml)), now=NOW)
    assert (e.remarks, e.kind, e.parent_uid) == (text, Kind.OTHER, "JPRCC-NODE-1")


def test_a_delete_removes_the_item_by_uid_and_type():
    root = tree(cot.delete("jprcc.inc.7.uncertainty", "u-d-c-c", time=NOW))
    assert root.get("type") == "t-x-d-d"
    link = root.find("detail/link")
    assert link.attrib == {"uid": "jprcc.inc.7.uncertainty", "relation": "none", "type": "u-d-c-c"}
    assert root.find("detail/__forcedelete") is not None
    assert root.get("uid") != "jprcc.inc.7.uncertainty"  # the deletion is not the item it deletes


def test_a_pong_answers_a_ping_but_is_not_itself_a_ping():
    e = cot.parse_xml(cot.pong(NOW), now=NOW)
    assert e.type == "t-x-c-t-r"
    assert e.kind is Kind.OTHER  # else two peers would answer each other's answers forever


def everything() -> list[bytes]:
    kw = {"time": NOW, "stale": STALE, "callsign": "C"}
    return [
        cot.point("a", "a-f-G", 1, 2, **kw),
        cot.polygon("b", [(1, 2), (1, 3), (2, 3)], closed=True, stroke_argb=-1, **kw),
        cot.rectangle("c", [(2, 2), (2, 3), (1, 3), (1, 2)], stroke_argb=-1, **kw),
        cot.circle("d", 1, 2, 100, stroke_argb=-1, **kw),
        cot.route("e", [(1, 2), (2, 3)], **kw),
        cot.chat("f", "F", "g", "G", "hi", time=NOW, message_id="m"),
        cot.delete("h", "a-f-G", time=NOW),
        cot.pong(NOW),
    ]


def test_everything_written_reads_back_and_frames_for_the_tak_protocol():
    for xml in everything():
        root = tree(xml)
        e = cot.parse_xml(xml, now=NOW)
        assert (e.uid, e.type) == (root.get("uid"), root.get("type"))
        frame = cot.to_stream_frame(xml)
        message = takproto.parse_proto(bytearray(frame))
        assert (message.cotEvent.uid, message.cotEvent.type) == (e.uid, e.type)
        assert (message.cotEvent.lat, message.cotEvent.lon) == (e.lat, e.lon)
        assert cot.parse_protobuf(payload_of(frame), now=NOW) == e
        assert cot.parse_datagram(cot.to_mesh_datagram(xml), now=NOW) == e


@pytest.mark.parametrize(
    "call",
    [
        lambda: cot.point("x", "a-f-G", 91, 0, time=NOW, stale=STALE, callsign="c"),
        lambda: cot.point("x", "a-f-G", 0, math.nan, time=NOW, stale=STALE, callsign="c"),
        lambda: cot.point("x\ny", "a-f-G", 0, 0, time=NOW, stale=STALE, callsign="c"),
        lambda: cot.point("x", "not a type", 0, 0, time=NOW, stale=STALE, callsign="c"),
        lambda: cot.point("x", "a-f-G", 0, 0, time=NOW.replace(tzinfo=None), stale=STALE, callsign="c"),
        lambda: cot.point("x", "a-f-G", 0, 0, time=NOW, stale=NOW - timedelta(seconds=1), callsign="c"),
        lambda: cot.point("x", "a-f-G", 0, 0, time=NOW, stale=STALE, callsign="c", color_argb=2**32),
        lambda: cot.polygon(
            "p", [(1, 2), (1, 3)], closed=True, time=NOW, stale=STALE, callsign="c", stroke_argb=-1
        ),
        lambda: cot.chat("a", "A", "b\x00", "B", "t", time=NOW, message_id="m"),
        lambda: cot.to_stream_frame(XXE),
    ],
)
def test_nonsense_is_not_written(call):
    with pytest.raises(ValueError):  # noqa: PT011 - each case says its own rule
        call()


def test_an_event_as_the_protobuf_carries_exact_milliseconds():
    xml = cot.point("x", "a-f-G", 1, 2, time=NOW, stale=STALE, callsign="c")
    message = TakMessage()
    message.ParseFromString(payload_of(cot.to_stream_frame(xml)))
    assert message.cotEvent.sendTime == 1796435045123  # 2026-12-05T01:44:05.123Z
    assert message.cotEvent.staleTime - message.cotEvent.sendTime == 6 * 3600 * 1000


def test_an_event_compares_by_value():
    a = cot.parse_xml(ATAK_911, now=NOW)
    assert a == cot.parse_xml(ATAK_911, now=NOW)
    assert isinstance(a, CotEvent)
    with pytest.raises(AttributeError):
        a.uid = "other"  # type: ignore[misc]


def test_course_and_speed_come_from_the_track_and_a_wrong_one_is_unknown():
    body = '<track course="271.5" speed="3.2"/>'
    e = cot.parse_xml(event(detail=body), now=NOW)
    assert (e.course, e.speed) == (271.5, 3.2)
    bad = cot.parse_xml(event(detail='<track course="720" speed="nan"/>'), now=NOW)
    assert (bad.course, bad.speed) == (None, None)
