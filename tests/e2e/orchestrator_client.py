#!/usr/bin/python3
"""Python grpcio client of armature.v1.Orchestrator for the end-to-end tests.

Builds message classes at run time from the contracts' descriptor set (no generated code) and
runs one flow against an orchestrator:
  1. SubmitTask(GOAL, wait=true): answers when the task has ended;
  2. WatchTask of that finished task: its current state, then the end of the stream;
  3. SubmitTask(SCENE, wait=false), then WatchTask of it as it runs, to its end.
Prints one JSON object:
  {"waited": {"id", "status", "steps", "backend", "deduplicated"},
   "watch_finished": [EVENT...], "scene_id": ID, "watch_live": [EVENT...]}
with EVENT = {"sequence": int, "status": name, "stage": str, "message": str}.
Exits non-zero on any RPC error.

Usage: orchestrator_client.py DESCRIPTOR_SET TARGET
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def message_class(pool, name):
    descriptor = pool.FindMessageTypeByName(name)
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is not None:
        return get_class(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    descriptor_set, target = sys.argv[1], sys.argv[2]
    fds = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        pool.Add(file_proto)
    kinds = pool.FindEnumTypeByName("armature.v1.TaskKind")
    statuses = pool.FindEnumTypeByName("armature.v1.TaskStatus")
    submit_request = message_class(pool, "armature.v1.SubmitTaskRequest")
    submit_response = message_class(pool, "armature.v1.SubmitTaskResponse")
    watch_request = message_class(pool, "armature.v1.WatchTaskRequest")
    watch_response = message_class(pool, "armature.v1.WatchTaskResponse")

    def status_name(number):
        return statuses.values_by_number[number].name

    def event_dict(event):
        return {"sequence": int(event.sequence), "status": status_name(event.status),
                "stage": event.stage, "message": event.message}

    with grpc.insecure_channel(target) as channel:
        submit = channel.unary_unary(
            "/armature.v1.Orchestrator/SubmitTask",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=submit_response.FromString,
        )
        watch = channel.unary_stream(
            "/armature.v1.Orchestrator/WatchTask",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=watch_response.FromString,
        )

        waited = submit(submit_request(
            kind=kinds.values_by_name["GOAL"].number,
            text="Build and deploy a REST API with tests (from Python)",
            constraints=["Python only"], wait=True), timeout=60)
        task = waited.task
        watch_finished = [event_dict(r.event)
                          for r in watch(watch_request(id=task.id), timeout=30)]

        scene = submit(submit_request(
            kind=kinds.values_by_name["SCENE"].number,
            text="misty cyberpunk alley at night; light rain; orbit camera"), timeout=30)
        watch_live = [event_dict(r.event)
                      for r in watch(watch_request(id=scene.task.id), timeout=60)]

    print(json.dumps({
        "waited": {"id": task.id, "status": status_name(task.status),
                   "steps": len(task.plan.subtasks), "backend": task.plan.backend,
                   "deduplicated": waited.deduplicated},
        "watch_finished": watch_finished,
        "scene_id": scene.task.id,
        "watch_live": watch_live,
    }))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except grpc.RpcError as e:
        print(f"rpc failed: {e.code().name}: {e.details()}", file=sys.stderr)
        sys.exit(1)
