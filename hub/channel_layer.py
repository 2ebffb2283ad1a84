"""channels_redis's Redis channel layer, able to send to several groups in two trips to Redis.

A sent message is pushed to each reader's own group (each sees it rendered for them: their
language, "you" or a name), with their new badge: two to five groups at once. channels_redis's
`group_send` asks Redis four times for every group (drop expired members, read the members,
drop expired messages, add the message), one after another, so a message to two readers cost
eight round trips, each paid in CPU by the event loop that every open socket of the process
shares. `group_send_many` sends what it is given in the same order with the same rules (group
and message expiry, each channel's capacity) in two round trips per Redis host: the members of
every group in one pipeline, then every channel's clean-up and every group's message in another.
"""

import logging
import time

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer

logger = logging.getLogger(__name__)

# channels_redis's own script for a group's message (channels_redis.core.group_send): added to
# each channel below its capacity, with the channel's expiry renewed; answers how many were full.
_GROUP_SEND_LUA = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


class RedisChannelLayer(_RedisChannelLayer):
    async def group_send_many(self, sends: list[tuple[str, dict]]) -> None:
        """`group_send(group, message)` for each (group, message) of `sends`, in that order."""
        if not sends:
            return
        now = int(time.time())
        # 1. The members of every group, expired ones dropped first (one pipeline per host).
        groups_by_host: dict[int, list[str]] = {}
        for group, _message in sends:
            self.require_valid_group_name(group)  # raises TypeError for a name Channels refuses
            groups_by_host.setdefault(self.consistent_hash(group), []).append(group)
        members: dict[str, list[str]] = {}
        for index, groups in groups_by_host.items():
            pipe = self.connection(index).pipeline(transaction=False)
            for group in dict.fromkeys(groups):
                key = self._group_key(group)
                pipe.zremrangebyscore(key, min=0, max=now - self.group_expiry)
                pipe.zrange(key, 0, -1)
            answers = await pipe.execute()
            for group, names in zip(dict.fromkeys(groups), answers[1::2], strict=True):
                members[group] = [name.decode("utf8") for name in names]
        # 2. Each group's message to its members' channels, as channels_redis's script adds it,
        # in the order given, after the expired messages of those channels are dropped (one
        # pipeline per host of the channels).
        scripts_by_host: dict[int, list[tuple[str, list, list]]] = {}
        for group, message in sends:
            if not members[group]:
                continue
            by_host, message_of, capacity_of = self._map_channel_keys_to_connection(members[group], message)
            for index, channel_keys in by_host.items():
                scripts_by_host.setdefault(index, []).append(
                    (
                        group,
                        channel_keys,
                        [message_of[key] for key in channel_keys] + [capacity_of[key] for key in channel_keys],
                    )
                )
        for index, scripts in scripts_by_host.items():
            pipe = self.connection(index).pipeline(transaction=False)
            channel_keys = dict.fromkeys(key for _group, keys, _args in scripts for key in keys)
            for key in channel_keys:
                pipe.zremrangebyscore(key, min=0, max=now - int(self.expiry))
            for _group, keys, args in scripts:
                pipe.eval(_GROUP_SEND_LUA, len(keys), *keys, *args, time.time(), self.expiry)
            answers = await pipe.execute()
            for (group, keys, _args), over_capacity in zip(scripts, answers[len(channel_keys) :], strict=True):
                if over_capacity:
                    logger.info("%s of %s channels over capacity in group %s", over_capacity, len(keys), group)
