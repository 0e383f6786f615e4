#!/usr/bin/python3
"""Python grpcio client for the end-to-end tests.

Builds message classes at run time from the contracts' descriptor set (so it needs no
generated code) and calls grpc.health.v1.Health/Check and armature.v1.ArmInfo/GetCapabilities.
Prints one JSON object: {"health": {...}, "capabilities": {...}}; exits non-zero on any error.

Usage: health_client.py DESCRIPTOR_SET TARGET [SERVICE]
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory


def message_class(pool, name):
    descriptor = pool.FindMessageTypeByName(name)
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is not None:
        return get_class(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    descriptor_set, target = sys.argv[1], sys.argv[2]
    service = sys.argv[3] if len(sys.argv) == 4 else ""
    fds = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        pool.Add(file_proto)
    request_cls = message_class(pool, "grpc.health.v1.HealthCheckRequest")
    response_cls = message_class(pool, "grpc.health.v1.HealthCheckResponse")
    caps_request_cls = message_class(pool, "armature.v1.GetCapabilitiesRequest")
    caps_response_cls = message_class(pool, "armature.v1.GetCapabilitiesResponse")

    with grpc.insecure_channel(target) as channel:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_cls.FromString,
        )
        response, call = check.with_call(request_cls(service=service), timeout=10,
                                         metadata=(("x-request-id", "python-e2e"),))
        echoed = dict(call.initial_metadata()).get("x-request-id", "")
        caps = channel.unary_unary(
            "/armature.v1.ArmInfo/GetCapabilities",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=caps_response_cls.FromString,
        )(caps_request_cls(), timeout=10)
    print(json.dumps({
        "health": json_format.MessageToDict(response),
        "request_id": echoed,
        "capabilities": json_format.MessageToDict(caps, preserving_proto_field_name=True),
    }))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except grpc.RpcError as e:
        print(f"rpc failed: {e.code().name}: {e.details()}", file=sys.stderr)
        sys.exit(1)
