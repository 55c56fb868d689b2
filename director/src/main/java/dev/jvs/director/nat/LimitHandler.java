package dev.jvs.director.nat;

import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.ServiceKey;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

/** First in a client pipeline: admits the connection under the caps or closes it before anything else runs. */
final class LimitHandler extends ChannelInboundHandlerAdapter {

    private final ServiceKey serviceKey;
    private final RuleTable rules;
    private final ConnectionLimits limits;
    private boolean admitted;

    LimitHandler(ServiceKey serviceKey, RuleTable rules, ConnectionLimits limits) {
        this.serviceKey = serviceKey;
        this.rules = rules;
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        VirtualService service = rules.find(serviceKey);
        int serviceMax = service == null ? 0 : service.config().maxConns();
        if (!limits.tryAcquire(serviceKey, serviceMax)) {
            // A reset, not a clean close: the client learns at once that it was not served.
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
            return;
        }
        admitted = true;
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (admitted) {
            admitted = false;
            limits.release(serviceKey);
        }
        ctx.fireChannelInactive();
    }
}
