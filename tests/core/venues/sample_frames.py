"""The recorded sample messages of resources/docs/feeds.md §11 for Binance, Bybit, OKX and the newer
venues, verbatim, plus the Bybit acks of §2.3 and the §2.2 ticker example (its elided "…" fields filled
with plausible ticker fields)."""

BINANCE_OFFICIAL = '{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}'  # noqa: E501
BINANCE_BARTER = '{"e":"forceOrder","E":1665523974222,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.009","p":"18917.15","ap":"18990.00","X":"FILLED","l":"0.009","z":"0.009","T":1665523974217}}'  # noqa: E501
BINANCE_COINM = '{"e":"forceOrder","E":1591154240950,"o":{"s":"BTCUSD_200925","ps":"BTCUSD","S":"SELL","o":"LIMIT","f":"IOC","q":"1","p":"9425.5","ap":"9496.5","X":"FILLED","l":"1","z":"1","T":1591154240949}}'  # noqa: E501
BINANCE_MARK = '{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}'  # noqa: E501

BYBIT_ALL_LIQUIDATION = '{"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}'  # noqa: E501
BYBIT_LEGACY = '{"topic":"liquidation.BTCUSDT","type":"snapshot","ts":1703485237953,"data":{"updatedTime":1703485237953,"symbol":"BTCUSDT","side":"Sell","size":"0.003","price":"43511.70"}}'  # noqa: E501
BYBIT_V3 = '{"data":{"price":"0.03803","side":"Buy","size":"1637","symbol":"GALAUSDT","updatedTime":1673251091822},"topic":"liquidation.GALAUSDT","ts":1673251091822,"type":"snapshot"}'  # noqa: E501
BYBIT_THIRD_PARTY = (
    '{"topic":"allLiquidation.BTCUSDT","ts":1000,"data":[{"T":1000,"s":"BTCUSDT","S":"Buy","v":"2","p":"100"}]}'
)
BYBIT_TICKER_SNAPSHOT = '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"66666.60","markPrice":"66666.60","indexPrice":"115418.19","openInterest":"492373.72","openInterestValue":"32824881841.75","fundingRate":"-0.005","nextFundingTime":"1760328000000","bid1Price":"66666.50","ask1Price":"66666.60"},"cs":9532239429,"ts":1760325052630}'  # noqa: E501
BYBIT_PONG = (
    '{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","req_id":"","op":"ping"}'
)
BYBIT_SUBSCRIBED = (
    '{"success":true,"ret_msg":"","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","req_id":"","op":"subscribe"}'
)

OKX_OFFICIAL = '{"id":"1512","arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{"bkLoss":"0","bkPx":"0.007831","ccy":"","posSide":"short","side":"buy","sz":"13","ts":"1692266434010"}],"instFamily":"IOST-USDT","instId":"IOST-USDT-SWAP","instType":"SWAP","uly":"IOST-USDT"}]}'  # noqa: E501
OKX_THIRD_PARTY_LONG = '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","details":[{"ts":"1000","side":"sell","posSide":"long","sz":"2","bkPx":"100"}]}]}'  # noqa: E501
OKX_THIRD_PARTY_SHORT = '{"data":[{"instId":"BTC-USDT-SWAP","details":[{"bkPx":"100000","sz":"3","side":"buy","posSide":"short","ts":"1723892524781"}]}]}'  # noqa: E501
OKX_MARK = '{"arg":{"channel":"mark-price","instId":"LTC-USD-190628"},"data":[{"instType":"FUTURES","instId":"LTC-USD-190628","markPx":"0.1","ts":"1597026383085"}]}'  # noqa: E501

BITGET_OFFICIAL = '{"data":[{"symbol":"BTCUSDT","side":"buy","price":"89000","amount":"37.722858","ts":"1736371332162"}],"arg":{"instType":"usdt-futures","topic":"liquidation"},"action":"update","ts":1736371332162}'  # noqa: E501
BITGET_THIRD_PARTY_SHORT = '{"arg":{"instType":"usdt-futures","topic":"liquidation"},"data":[{"symbol":"BTCUSDT","price":"99","amount":"5","side":"sell","ts":"1002"}]}'  # noqa: E501
BITGET_THIRD_PARTY_NUMERIC_TS = '{"arg":{"topic":"liquidation"},"ts":1791500000000,"data":[{"symbol":"BTCUSDT","side":"buy","price":"60000","amount":"150000","ts":1791500000000}]}'  # noqa: E501

GATE_OLD = '{"channel":"futures.public_liquidates","event":"update","time":1541505434,"time_ms":1541505434123,"result":[{"price":"215.1","size":"-124.5","time":1541486601,"contract":"BTC_USDT"}]}'  # noqa: E501
GATE_AGGREGATED = '{"channel":"futures.public_liquidates","event":"update","time":1541505434,"time_ms":1541505434123,"result":[{"price":"215.1","size":"-124.5","time":1541486601123,"contract":"BTC_USDT"},{"price":"215.2","size":"-10.5","time":1541486601456,"contract":"BTC_USDT"}]}'  # noqa: E501
GATE_INTEGER_SIZE = '{"channel":"futures.public_liquidates","event":"update","time":1541505434,"time_ms":1541505434123,"result":[{"price":"215.1","size":-124,"time":1541486601123,"contract":"BTC_USDT"},{"price":"215.2","size":-10,"time":1541486601456,"contract":"BTC_USDT"}]}'  # noqa: E501

DERIBIT_ENVELOPE = '{"params":{"data":[{"trade_seq":933,"trade_id":"9178","timestamp":1550736299753,"tick_direction":3,"price":3948.69,"instrument_name":"BTC-PERPETUAL","index_price":3930.73,"direction":"sell","amount":10}],"channel":"trades.BTC-PERPETUAL.raw"},"method":"subscription","jsonrpc":"2.0"}'  # noqa: E501
DERIBIT_LIQUIDATION_ROW = '{"trade_id":"789012","instrument_name":"BTC-PERPETUAL","timestamp":1703001600000,"direction":"sell","price":43400.0,"amount":10.0,"trade_seq":200,"liquidation":"M","mark_price":43401.0,"index_price":43399.0}'  # noqa: E501
DERIBIT_ROW_WITHOUT_NAME = '{"direction":"sell","price":50002.0,"amount":0.5,"trade_id":"t2","timestamp":1700000000002,"liquidation":"M","tick_direction":1,"mark_price":50001.5,"index_price":50010.0}'  # noqa: E501


def deribit_trades(*rows: str, channel: str = "trades.future.BTC.100ms") -> str:
    """Rows in the §11 notification envelope (the recorded row fixtures come without one)."""
    return '{"params":{"data":[' + ",".join(rows) + '],"channel":"' + channel + '"},"method":"subscription","jsonrpc":"2.0"}'  # noqa: E501


DERIBIT_LIQUIDATION = deribit_trades(DERIBIT_LIQUIDATION_ROW)
DERIBIT_TEST_REQUEST = '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}'

BITMEX_INSERT = '{"table":"liquidation","action":"insert","data":[{"orderID":"98ae1dad-6a3b-51c4-14bd-e076919e9e30","symbol":"XBTUSD","side":"Buy","price":13854.5,"leavesQty":314930}]}'  # noqa: E501
BITMEX_UPDATE = '{"table":"liquidation","action":"update","data":[{"orderID":"98ae1dad-6a3b-51c4-14bd-e076919e9e30","leavesQty":305515,"symbol":"XBTUSD"}]}'  # noqa: E501
BITMEX_ROW = '{"orderID":"9513c849-ca0d-4e11-8190-9d221972288c","symbol":"XBTUSD","side":"Buy","price":6833.5,"leavesQty":2020}'  # noqa: E501

# Bitfinex `status` / `liq:global` (https://docs.bitfinex.com/reference/ws-public-status): the docs' example
# verbatim (a margin-trading tBSVUSD position, not a perpetual), the same row on the docs' perpetual
# tBTCF0:USTF0, and its trigger (IS_MATCH 0) ahead of that execution, which carries no price yet (null, as
# live triggers do).
BITFINEX_DOCS = '[91684,[["pos",142397657,1574697680828.2002,null,"tBSVUSD",-2.62932,91.583875238719,null,1,1,null,112.27]]]'  # noqa: E501
BITFINEX_EXECUTION = BITFINEX_DOCS.replace("tBSVUSD", "tBTCF0:USTF0").replace("112.27", "7101.5")
BITFINEX_TRIGGER = (BITFINEX_EXECUTION.replace(",null,1,1,null,7101.5]", ",null,0,1,null,null]")
                    .replace("1574697680828.2002", "1574697680801"))
BITFINEX_SUBSCRIBED = '{"event":"subscribed","channel":"status","chanId":91684,"key":"liq:global"}'
BITFINEX_HB = "[91684,\"hb\"]"
BITFINEX_INFO = '{"event":"info","version":2,"serverId":"5b73a436-19ca-4a06-8472-6d2e2c0d8d5b","platform":{"status":1}}'

# dYdX v4 indexer `v4_trades` (https://docs.dydx.exchange/api_integration-indexer/indexer_websocket): the
# subscribed snapshot of recent trades and a channel_data update, in the docs' shapes.
DYDX_CONNECTED = '{"type":"connected","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":0}'
DYDX_SUBSCRIBED = '{"type":"subscribed","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":1,"channel":"v4_trades","id":"BTC-USD","contents":{"trades":[{"id":"8ee6d90d-272d-5edd-bf0f-2e4d6ae3d3b7","size":"0.0001","price":"27839","side":"BUY","createdAt":"2023-04-04T00:29:19.353Z","type":"LIMIT","createdAtHeight":"1804"},{"id":"38e64479-af09-5417-a795-195f83879156","size":"0.25","price":"27837","side":"SELL","createdAt":"2023-04-04T00:29:18.353Z","type":"LIQUIDATED","createdAtHeight":"1803"}]}}'  # noqa: E501
DYDX_UPDATE = '{"type":"channel_data","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":3,"id":"BTC-USD","channel":"v4_trades","version":"2.1.0","contents":{"trades":[{"id":"b3c7a9c1-58e4-5b1f-bd0a-3f5b1c7e2a10","size":"1.5","price":"27901","side":"BUY","createdAt":"2023-04-04T00:30:02.120Z","type":"LIQUIDATED","createdAtHeight":"1850"}]}}'  # noqa: E501
DYDX_ERROR = '{"type":"error","message":"Invalid subscribe message: channel is not a valid channel","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":2}'  # noqa: E501

# HTX USDT-margined swaps `public.$contract_code.liquidation_orders` (https://huobiapi.github.io/docs/usdt_swap/v1/en/),
# as the JSON inside the gzip frames: 624 contracts of 0.001 BTC = 0.624 BTC, turnover 0.624 × 18744.2 USDT.
HTX_NOTIFY = '{"op":"notify","topic":"public.BTC-USDT.liquidation_orders","ts":1606286349133,"data":[{"contract_code":"BTC-USDT","symbol":"BTC","direction":"sell","offset":"close","volume":624,"amount":0.624,"trade_turnover":11696.3808,"price":18744.2,"created_at":1606286348775,"pair":"BTC-USDT","business_type":"swap"}]}'  # noqa: E501
HTX_SUB_ACK = '{"op":"sub","cid":"cascade","topic":"public.*.liquidation_orders","ts":1606286349000,"err-code":0}'
HTX_PING = '{"op":"ping","ts":"1606286349133"}'

# Hyperliquid liquidation fills from an optional liquidationFills source (hyperliquid_liquidations.py):
# GoldRush's documented shape ([address, WsFill] tuples, top-level), Hydromancer's (also "type", seq,
# cursor), and Hyperliquid's userFills envelope (isSnapshot) as the user's own node relays it.
HL_VICTIM = "0x742d35cc6634c0532925a3b844bc9e7595f7f2e2"
HL_MAKER = "0x0000000000000000000000000000000000abcdef"
HL_FILL = ('{"coin":"ETH","px":"2150.5","sz":"1.5","side":"A","time":1704067200000,"startPosition":"1.5",'
           '"dir":"Close Long","closedPnl":"-125.5","hash":"0xabc","oid":12345678,"crossed":true,"fee":"2.5",'
           '"tid":87654321,"feeToken":"USDC","liquidation":{"liquidatedUser":"' + HL_VICTIM + '",'
           '"markPx":"2151.0","method":"market"}}')
HL_GOLDRUSH = '{"channel":"liquidationFills","fills":[["' + HL_VICTIM + '",' + HL_FILL + ']]}'
HL_HYDROMANCER = ('{"type":"liquidationFills","channel":"liquidationFills","seq":1,"cursor":"500:1704067200000:3",'
                  '"fills":[["' + HL_MAKER + '",' + HL_FILL.replace('"side":"A"', '"side":"B"') + ']]}')
HL_USER_FILLS = ('{"channel":"userFills","data":{"isSnapshot":true,"user":"' + HL_VICTIM + '","fills":['
                 + HL_FILL + "]}}")
HL_PONG = '{"channel":"pong"}'

VALID_FRAMES = {
    "binance": [BINANCE_OFFICIAL, BINANCE_BARTER, BINANCE_COINM, BINANCE_MARK],
    "bybit": [
        BYBIT_ALL_LIQUIDATION, BYBIT_LEGACY, BYBIT_V3, BYBIT_THIRD_PARTY, BYBIT_TICKER_SNAPSHOT,
        BYBIT_PONG, BYBIT_SUBSCRIBED,
    ],
    "okx": [OKX_OFFICIAL, OKX_THIRD_PARTY_LONG, OKX_THIRD_PARTY_SHORT, OKX_MARK],
    "bitget": [BITGET_OFFICIAL, BITGET_THIRD_PARTY_SHORT, BITGET_THIRD_PARTY_NUMERIC_TS, "pong"],
    "gate": [GATE_OLD, GATE_AGGREGATED, GATE_INTEGER_SIZE],
    "deribit": [DERIBIT_ENVELOPE, DERIBIT_LIQUIDATION, DERIBIT_TEST_REQUEST,
                deribit_trades(DERIBIT_LIQUIDATION_ROW.replace('"M"', '"MT"'))],
    "bitmex": [BITMEX_INSERT, BITMEX_UPDATE, '{"table":"liquidation","action":"partial","data":[' + BITMEX_ROW + "]}",
               "pong"],
    "bitfinex": [BITFINEX_DOCS, BITFINEX_EXECUTION, BITFINEX_TRIGGER, BITFINEX_SUBSCRIBED, BITFINEX_HB, BITFINEX_INFO],
    "dydx": [DYDX_CONNECTED, DYDX_SUBSCRIBED, DYDX_UPDATE, DYDX_ERROR],
    "htx": [HTX_NOTIFY, HTX_SUB_ACK, HTX_PING],
    "hyperliquid_liquidations": [HL_GOLDRUSH, HL_HYDROMANCER, HL_USER_FILLS, HL_PONG],
}  # fmt: skip
